package dev.adm.spark;

import dev.adm.core.engine.DistillationEngine;
import dev.adm.models.run.ExportFiles;
import dev.adm.models.run.StepBatches;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** One worker's share of an averaging round, run inside a Spark task. */
final class RoundTask {
    private RoundTask() {
    }

    /** Where the run is: the epoch, and the steps it plans (for schedules that are a fraction of training). */
    record Position(int epoch, long plannedIterations) implements java.io.Serializable {
        static Position of(DistillationEngine engine) {
            return new Position(engine.epoch(), engine.plannedIterations());
        }
    }

    /**
     * Trains an engine of {@code blueprint}, starting from {@code state}, on {@code batches} in order (stored ones
     * read through {@code files}); returns its result, or nothing for an empty share (the round's last workers when
     * the epoch runs out).
     */
    static Iterator<WorkerResult> run(EngineBlueprint blueprint, EngineState state, Position position, int threads,
                                      ExportFiles files, Iterator<Minibatch> batches) {
        if (!batches.hasNext()) {
            return List.<WorkerResult>of().iterator();
        }
        DistillationEngine engine = EnginePool.take(blueprint);
        state.applyTo(engine);
        engine.setEpoch(position.epoch());
        engine.setPlannedIterations(position.plannedIterations());
        engine.setWorkers(threads);
        ArrayList<WorkerResult.Losses> steps = new ArrayList<>();
        long examples = 0;
        while (batches.hasNext()) {
            StepBatches.Batch batch = batches.next().batch(files);
            steps.add(WorkerResult.Losses.of(engine.step(batch.features(), batch.labels())));
            examples += batch.size();
        }
        WorkerResult result = new WorkerResult(EngineState.of(engine), examples, steps);
        EnginePool.give(blueprint, engine);
        return List.of(result).iterator();
    }
}
