package dev.adm.core.engine;

import org.deeplearning4j.nn.gradient.Gradient;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Stops training, naming the step and the loss term, when a loss or a gradient is NaN or infinite. It runs before
 * any update, so the networks keep the last good state.
 */
final class NonFiniteCheck {
    private NonFiniteCheck() {
    }

    /** @param step the 1-based number of the step; @param epoch the 0-based epoch */
    static void before(DistillationEngine.StepTrace trace, long step, int epoch) {
        Map<String, Double> all = new LinkedHashMap<>(trace.result().terms());
        trace.result().totals().forEach((k, v) -> all.put("total/" + k, v));
        for (Map.Entry<String, Double> e : all.entrySet()) {
            if (!Double.isFinite(e.getValue())) {
                throw new TrainingStoppedException(String.format(Locale.ROOT, "training stopped at step %d (epoch "
                        + "%d): loss term '%s' is %s, so no network was updated by this step; lower the learning rate "
                        + "or check the data", step, epoch + 1, e.getKey(), e.getValue()), step);
            }
        }
        for (Map.Entry<String, Gradient> g : trace.gradients().entrySet()) {
            INDArray grad = g.getValue().gradient();
            if (BooleanIndexing.or(grad, Conditions.notFinite())) { // one pass over the gradient
                throw new TrainingStoppedException(String.format(Locale.ROOT, "training stopped at step %d (epoch "
                        + "%d): the gradient of network '%s' is not finite although its losses are %s, so no network "
                        + "was updated by this step; lower the learning rate", step, epoch + 1, g.getKey(),
                        trace.result().totals()), step);
            }
        }
    }
}
