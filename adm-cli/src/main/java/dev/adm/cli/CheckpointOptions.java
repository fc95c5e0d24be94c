package dev.adm.cli;

import dev.adm.models.run.CheckpointPolicy;
import picocli.CommandLine.Option;

/** When a training run checkpoints inside an epoch; shared by every task's train and experiment commands. */
final class CheckpointOptions {
    @Option(names = "--checkpoint-every", defaultValue = "10m", paramLabel = "INTERVAL", description = "also "
            + "checkpoint inside an epoch: every N steps (200), every so long (90s, 10m, 1h), or only at epoch ends "
            + "(epoch); --resume continues exactly from the last one; default ${DEFAULT-VALUE}")
    String every;

    CheckpointPolicy policy() {
        return CheckpointPolicy.parse(every);
    }
}
