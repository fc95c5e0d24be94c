package dev.adm.cli;

import dev.adm.models.classification.ClassificationConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The training settings shared by {@code train classification} and {@code experiment classification}. */
final class TrainingOptions {
    @Option(names = "--epochs", defaultValue = "10", description = "default ${DEFAULT-VALUE}")
    int epochs;
    @Option(names = "--batch", defaultValue = "128", description = "default ${DEFAULT-VALUE}")
    int batch;
    @Option(names = "--lr", defaultValue = "0.05", description = "initial learning rate, cosine-annealed; default ${DEFAULT-VALUE}")
    double lr;
    @Option(names = "--seed", defaultValue = "42", description = "default ${DEFAULT-VALUE}")
    long seed;
    @CommandLine.Mixin
    DataOptions data = new DataOptions();
    @Option(names = "--train-limit", defaultValue = "0", description = "train on the first N images only (0 = all)")
    int trainLimit;
    @Option(names = "--no-augment", description = "turn off pad-crop and flip augmentation")
    boolean noAugment;
    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;
    @picocli.CommandLine.Mixin
    CheckpointOptions checkpoints = new CheckpointOptions();

    /** A config builder holding these settings. */
    ClassificationConfig.Builder builder() {
        return ClassificationConfig.builder().epochs(epochs).batchSize(batch).learningRate(lr).seed(seed)
                .dataset(data.dataset).dataDir(data.data).imageSize(data.imageSize).embeddedData(data.embedded)
                .trainLimit(trainLimit).augment(!noAugment).progress(!noProgress)
                .checkpointEvery(checkpoints.policy());
    }
}
