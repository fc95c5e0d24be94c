package dev.adm.cli;

import dev.adm.models.run.RunSettings;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Epochs, batch, learning rate, seed, workers (or Spark), progress and checkpoints: the options every {@code train} and
 * {@code experiment} command shares (a picocli mixin; each command's {@link TaskDefaults} gives its task's defaults).
 */
final class TrainingOptions {
    @Option(names = "--epochs", description = "default ${DEFAULT-VALUE}")
    int epochs;
    @Option(names = "--batch", description = "default ${DEFAULT-VALUE}")
    int batch;
    @Option(names = "--lr", description = "initial learning rate, cosine-annealed; default ${DEFAULT-VALUE}")
    double lr;
    @Option(names = "--seed", description = "default ${DEFAULT-VALUE}")
    long seed;
    @Option(names = "--workers", description = "threads each batch is split between, each with a copy of every "
            + "network; gradients averaged (see docs/performance.md); with --spark, the Spark tasks training at "
            + "once; default ${DEFAULT-VALUE}")
    int workers;
    @Option(names = "--spark", paramLabel = "MASTER", description = "train on Spark by parameter averaging: "
            + "local[2], spark://host:7077 (docs/spark.md)")
    String spark;
    @Option(names = "--averaging-frequency", paramLabel = "STEPS", description = "with --spark, the steps each "
            + "worker takes between two averagings; default ${DEFAULT-VALUE}")
    int averagingFrequency;
    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;
    @CommandLine.Mixin
    CheckpointOptions checkpoints = new CheckpointOptions();

    /** Sets these options on a task's config builder. */
    <B extends RunSettings.Builder<B>> B applyTo(B builder) {
        return builder.epochs(epochs).batchSize(batch).learningRate(lr).seed(seed).workers(workers).progress(!noProgress)
                .spark(spark).averagingFrequency(averagingFrequency).checkpointEvery(checkpoints.policy());
    }
}
