package dev.adm.cli;

import dev.adm.models.run.RunSettings;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Epochs, batch, learning rate, seed, workers (or Spark), progress and checkpoints: the options every {@code train} and
 * {@code experiment} command shares (a picocli mixin; each command's {@link TaskDefaults} gives its task's defaults).
 */
final class TrainingOptions {
    private static final Pattern LOCAL_MASTER = Pattern.compile("local(?:\\[(\\d+|\\*)(?:,\\d+)?])?");

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
            + "once; default 1, with --spark local[N] N")
    Integer workers;
    @Option(names = "--spark", paramLabel = "MASTER", description = "train on Spark by parameter averaging: "
            + "local[2], spark://host:7077 (docs/spark.md)")
    String spark;
    @Option(names = "--averaging-frequency", paramLabel = "STEPS", description = "with --spark, the steps each "
            + "worker takes between two averagings; default ${DEFAULT-VALUE}")
    int averagingFrequency;
    @Option(names = "--score-every", paramLabel = "EPOCHS", defaultValue = "1", description = "score on the test "
            + "(or validation) images every N epochs and after the last; training is the same; default "
            + "${DEFAULT-VALUE}")
    int scoreEvery;
    @Option(names = "--ema", paramLabel = "DECAY", defaultValue = "0", description = "keep an exponential moving "
            + "average of the trained networks' weights (e.g. 0.999; step t uses min(DECAY, (1+t)/(10+t))), and "
            + "score, export and sample with it; default 0 (none)")
    double ema;
    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;
    @CommandLine.Mixin
    CheckpointOptions checkpoints = new CheckpointOptions();

    /** Sets these options on a task's config builder. */
    <B extends RunSettings.Builder<B>> B applyTo(B builder) {
        builder.epochs(epochs).batchSize(batch).learningRate(lr).seed(seed).progress(!noProgress)
                .spark(spark).averagingFrequency(averagingFrequency).checkpointEvery(checkpoints.policy())
                .scoreEvery(scoreEvery).ema(ema);
        if (workers != null) {
            builder.workers(workers);
        } else if (spark != null) {
            localSlots(spark).ifPresent(builder::workers); // a cluster's slots are known once it runs: it says so
        }
        return builder;
    }

    /** The task slots of a local Spark master: {@code local} 1, {@code local[N]} N, {@code local[*]} the cores. */
    static OptionalInt localSlots(String master) {
        Matcher m = LOCAL_MASTER.matcher(master.trim());
        if (!m.matches()) {
            return OptionalInt.empty();
        }
        String n = m.group(1);
        return OptionalInt.of(n == null ? 1 : n.equals("*") ? Runtime.getRuntime().availableProcessors()
                : Integer.parseInt(n));
    }
}
