package dev.adm.models.run;

import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.StepResult;
import java.util.ArrayList;
import java.util.List;

/**
 * How the run loop turns minibatches into training steps of its engine: here, one step per minibatch
 * ({@link #local}), or elsewhere, a group of minibatches at a time (adm-spark trains a group on its workers and
 * averages their networks into the engine). The loop checkpoints between two calls.
 */
public interface StepRunner extends AutoCloseable {
    /** The minibatches {@link #run} takes at a time; the last call of an epoch may get fewer. */
    int batchesPerCall();

    /**
     * Trains {@code engine} on {@code batches} in order; when it returns, the engine's networks hold the trained
     * state. One result per minibatch, in order.
     */
    List<StepResult> run(DistillationEngine engine, List<StepBatches.Batch> batches);

    /** How the machines this runner trains on read an export's files; here, this machine's file system. */
    default ExportFiles files() {
        return ExportFiles.local();
    }

    /** Releases what the runner holds (a cluster's context); the local runner holds nothing. */
    @Override
    default void close() {
    }

    /** Every minibatch one engine step, on this JVM. */
    static StepRunner local() {
        return new StepRunner() {
            @Override
            public int batchesPerCall() {
                return 1;
            }

            @Override
            public List<StepResult> run(DistillationEngine engine, List<StepBatches.Batch> batches) {
                List<StepResult> results = new ArrayList<>(batches.size());
                for (StepBatches.Batch b : batches) {
                    results.add(engine.step(b.features(), b.labels()));
                }
                return results;
            }
        };
    }
}
