package dev.adm.core.engine;

import java.util.Map;

/**
 * Loss values of one step.
 *
 * @param terms   every named term, {@code term/network} -> unweighted value
 * @param totals  each trained network's total (weighted) loss
 * @param updated each trained network -> whether it was updated this step (false only under
 *                {@link LossScope#updateWhen})
 */
public record StepResult(Map<String, Double> terms, Map<String, Double> totals, Map<String, Boolean> updated) {
    public StepResult {
        terms = Map.copyOf(terms);
        totals = Map.copyOf(totals);
        updated = Map.copyOf(updated);
    }
}
