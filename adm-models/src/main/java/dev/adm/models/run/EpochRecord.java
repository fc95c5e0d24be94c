package dev.adm.models.run;

import com.fasterxml.jackson.annotation.JsonAlias;

import java.util.Map;

/**
 * One epoch's numbers.
 *
 * @param epoch        1-based epoch number
 * @param seconds      training time of the epoch (evaluation excluded)
 * @param imagesPerSec training throughput
 * @param learningRate learning rate used in the epoch
 * @param losses       mean over the epoch's steps of every loss term and total ({@code total/<network>})
 * @param scores       test score per network (top-1 accuracy for classification, mIoU for segmentation)
 * @param measurements further numbers of a scored epoch, keyed {@code <measure>:<network>} (diffusion's
 *                     {@code fid:student}); empty for most tasks and for runs written before them
 */
public record EpochRecord(int epoch, double seconds, double imagesPerSec, double learningRate,
                          Map<String, Double> losses,
                          @JsonAlias("top1") Map<String, Double> scores, // "top1": runs written before segmentation
                          Map<String, Double> measurements) {
    public EpochRecord {
        measurements = measurements == null ? Map.of() : measurements;
    }
}
