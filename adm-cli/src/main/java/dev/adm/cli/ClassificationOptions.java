package dev.adm.cli;

import dev.adm.models.classification.ClassificationConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The classification data options shared by {@code train classification} and {@code experiment classification}. */
final class ClassificationOptions {
    @CommandLine.Mixin
    DataOptions data = new DataOptions();
    @Option(names = "--train-limit", defaultValue = "0", description = "train on the first N images only (0 = all)")
    int trainLimit;
    @Option(names = "--no-augment", description = "turn off pad-crop and flip augmentation")
    boolean noAugment;

    /** A config builder holding these settings. */
    ClassificationConfig.Builder builder() {
        return ClassificationConfig.builder().dataset(data.dataset).dataDir(data.data).imageSize(data.imageSize)
                .embeddedData(data.embedded).trainLimit(trainLimit).augment(!noAugment);
    }
}
