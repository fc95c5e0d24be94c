package dev.adm.cli;

import dev.adm.models.classification.ClassificationConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.Map;

/** The classification data options shared by {@code train classification} and {@code experiment classification}. */
final class ClassificationOptions {
    @CommandLine.Mixin
    DataOptions data = new DataOptions();
    @Option(names = "--train-limit", description = "train on the first N images only (0 = all)")
    int trainLimit;
    @Option(names = "--validation", paramLabel = "N", description = "score on the last N training images instead of "
            + "the test set, training on the others (for choosing epochs or parameters without the test set)")
    int validation;
    @Option(names = "--no-augment", description = "turn off pad-crop and flip augmentation")
    boolean noAugment;

    /** Defaults of these options and of {@link DataOptions}: those of {@link ClassificationConfig}'s builder. */
    static Map<String, String> defaults() {
        ClassificationConfig d = ClassificationConfig.builder().build();
        return Map.of("--train-limit", String.valueOf(d.trainLimit()), "--dataset", d.dataset(), "--image-size",
                String.valueOf(d.imageSize()));
    }

    /** A config builder holding these settings. */
    ClassificationConfig.Builder builder() {
        return ClassificationConfig.builder().dataset(data.dataset).dataDir(data.data).imageSize(data.imageSize)
                .embeddedData(data.embedded).trainLimit(trainLimit).validation(validation).augment(!noAugment);
    }
}
