package dev.adm.spark;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.StepResult;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/** What one worker sends back after its share of an averaging round: its networks' state and each step's losses. */
record WorkerResult(EngineState state, long examples, ArrayList<Losses> steps) implements Serializable {

    /** A step's {@link StepResult}, in serialisable maps. */
    record Losses(LinkedHashMap<String, Double> terms, LinkedHashMap<String, Double> totals,
                  LinkedHashMap<String, Boolean> updated) implements Serializable {
        static Losses of(StepResult r) {
            return new Losses(new LinkedHashMap<>(r.terms()), new LinkedHashMap<>(r.totals()),
                    new LinkedHashMap<>(r.updated()));
        }

        StepResult result() {
            return new StepResult(terms, totals, updated);
        }
    }

    /**
     * Averages the workers' states into {@code engine} (weighted by their examples) and returns their steps'
     * results, worker by worker, each worker's in order.
     */
    static List<StepResult> averageInto(DistillationEngine engine, List<WorkerResult> results) {
        Preconditions.checkState(!results.isEmpty(), "no worker trained in this round");
        EngineState.average(results.stream().map(WorkerResult::state).toList(),
                results.stream().map(WorkerResult::examples).toList()).applyTo(engine);
        return results.stream().flatMap(r -> r.steps.stream()).map(Losses::result).toList();
    }
}
