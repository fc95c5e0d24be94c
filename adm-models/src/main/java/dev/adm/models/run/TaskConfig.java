package dev.adm.models.run;

/**
 * A task's complete, validated configuration: the {@link RunSettings} every task shares plus the task's own (its
 * data and sizes). {@link DistillationRun#run} trains one.
 */
public interface TaskConfig {
    /** The shared settings. */
    RunSettings run();

    /** The same task settings with other shared ones (an experiment's runs differ only in those). */
    TaskConfig withRun(RunSettings run);

    /** The task that trains this configuration (a fresh one per run). */
    Task task();
}
