package dev.adm.segmentation;

import com.google.common.base.Preconditions;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Confusion-matrix metrics of semantic segmentation: per-class IoU, mIoU and pixel accuracy, with pixels of
 * the ignore label left out. Accumulates over any number of batches.
 *
 * <p>IoU of class c = TP / (TP + FP + FN); mIoU averages it over the classes that occur in the ground truth
 * or the predictions (a class absent from both has no IoU), as the Cityscapes and VOC evaluations do.
 */
public final class SegmentationMetrics {
    private final int numClasses;
    private final int ignoreLabel;
    private final long[][] confusion; // [truth][prediction]

    public SegmentationMetrics(int numClasses, int ignoreLabel) {
        Preconditions.checkArgument(numClasses >= 2, "need at least 2 classes, got %s", numClasses);
        this.numClasses = numClasses;
        this.ignoreLabel = ignoreLabel;
        this.confusion = new long[numClasses][numClasses];
    }

    /** Adds one map (or a batch, flattened): {@code truth[i]} and {@code predicted[i]} per pixel. */
    public void add(int[] truth, int[] predicted) {
        Preconditions.checkArgument(truth.length == predicted.length, "%s labels but %s predictions", truth.length,
                predicted.length);
        for (int i = 0; i < truth.length; i++) {
            int t = truth[i];
            if (t == ignoreLabel) {
                continue;
            }
            int p = predicted[i];
            Preconditions.checkArgument(t >= 0 && t < numClasses, "label %s at pixel %s is outside [0, %s) and is not "
                    + "the ignore label %s", t, i, numClasses, ignoreLabel);
            Preconditions.checkArgument(p >= 0 && p < numClasses, "prediction %s at pixel %s is outside [0, %s)", p, i,
                    numClasses);
            confusion[t][p]++;
        }
    }

    /**
     * Adds a batch given as one-hot labels {@code [B,K,H,W]} (a pixel with no class is ignored) and per-pixel
     * scores {@code [B,K,H,W]} (logits or probabilities: the arg-max is the prediction).
     */
    public void addBatch(INDArray oneHot, INDArray scores) {
        Preconditions.checkArgument(java.util.Arrays.equals(oneHot.shape(), scores.shape()) && oneHot.rank() == 4,
                "labels %s and scores %s must both be [B,K,H,W]", java.util.Arrays.toString(oneHot.shape()),
                java.util.Arrays.toString(scores.shape()));
        int[] truth = oneHot.argMax(1).reshape(-1).toIntVector();
        int[] labelled = oneHot.sum(1).reshape(-1).castTo(org.nd4j.linalg.api.buffer.DataType.INT).toIntVector();
        for (int i = 0; i < truth.length; i++) {
            if (labelled[i] == 0) {
                truth[i] = ignoreLabel;
            }
        }
        add(truth, scores.argMax(1).reshape(-1).toIntVector());
    }

    /** IoU per class; NaN for a class that appears neither in the truth nor in the predictions. */
    public double[] classIou() {
        double[] iou = new double[numClasses];
        for (int c = 0; c < numClasses; c++) {
            long tp = confusion[c][c];
            long fn = Arrays.stream(confusion[c]).sum() - tp;
            long fp = -tp;
            for (long[] row : confusion) {
                fp += row[c];
            }
            long union = tp + fp + fn;
            iou[c] = union == 0 ? Double.NaN : (double) tp / union;
        }
        return iou;
    }

    public double meanIou() {
        return Arrays.stream(classIou()).filter(v -> !Double.isNaN(v)).average().orElse(Double.NaN);
    }

    /** Correct pixels over counted pixels (ignore label excluded). */
    public double pixelAccuracy() {
        long correct = 0;
        long total = 0;
        for (int t = 0; t < numClasses; t++) {
            correct += confusion[t][t];
            total += Arrays.stream(confusion[t]).sum();
        }
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    /** Counted pixels so far. */
    public long pixels() {
        return Arrays.stream(confusion).flatMapToLong(Arrays::stream).sum();
    }
}
