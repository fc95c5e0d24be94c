package dev.adm.core.engine;

import dev.adm.core.testing.FiniteDifferences;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test access to a step's internals, for gradient checks in any module: the step without its updates, and the
 * losses of a new forward pass with the stop-gradient inputs of an earlier one held fixed, which is exactly the
 * function whose gradient the engine injects.
 */
public final class EngineFixture {
    private EngineFixture() {
    }

    /** A step computed but not applied: its losses, gradients (views, valid until the next call) and tensors. */
    public static final class Trace {
        private final DistillationEngine.StepTrace trace;

        private Trace(DistillationEngine.StepTrace trace) {
            this.trace = trace;
        }

        public StepResult result() {
            return trace.result();
        }

        /** Each updated network's gradient; none for a network whose update is gated off this step. */
        public Map<String, Gradient> gradients() {
            return trace.gradients();
        }

        /** What a network's forward pass recorded: its logits and taps. */
        public NetworkTensors tensors(String network) {
            return trace.tensors().get(network);
        }
    }

    public static Trace trace(DistillationEngine engine, INDArray features, INDArray labels) {
        return trace(engine, new INDArray[]{features}, labels);
    }

    public static Trace trace(DistillationEngine engine, INDArray[] features, INDArray labels) {
        return new Trace(engine.trace(features, labels));
    }

    /** The losses with every network forwarded afresh and the stop-gradient inputs taken from {@code reference}. */
    public static StepResult lossesWithDetachedInputsFrom(DistillationEngine engine, Trace reference,
                                                          INDArray[] features, INDArray labels) {
        return engine.lossesWithDetachedInputsFrom(reference.trace, features, labels);
    }

    /**
     * The gradients the engine injects (external errors at logits and taps, plus the head gradient of re-pooled
     * paths) must equal finite differences of each updated network's total loss with respect to every one of its
     * parameters (batch-norm running statistics excepted: DL4J updates them through the gradient buffer, but they
     * are not parameters of the loss), with the stop-gradient inputs held fixed.
     */
    public static void assertInjectedGradientsMatchFiniteDifferences(DistillationEngine engine, String method,
                                                                     INDArray features, INDArray labels) {
        INDArray[] x = {features};
        Trace trace = trace(engine, x, labels);
        assertTrue(!trace.gradients().isEmpty(), method + ": no network updated");
        for (var e : trace.gradients().entrySet()) {
            String net = e.getKey();
            INDArray analytic = e.getValue().gradient().dup();
            INDArray params = engine.graph(net).params();
            assertEquals(params.length(), analytic.length());
            INDArray statistics = batchNormStatisticsMask(engine.graph(net));
            for (long i = 0; i < params.length(); i++) {
                if (statistics.getDouble(i) != 0) {
                    continue;
                }
                double numeric = FiniteDifferences.derivative(params, i,
                        () -> lossesWithDetachedInputsFrom(engine, trace, x, labels).totals().get(net));
                FiniteDifferences.assertClose(analytic.getDouble(i), numeric, 1e-8, 1e-5,
                        method + " d loss(" + net + ") / d param[" + i + "]");
            }
        }
    }

    /** 1 where the flat parameter vector holds batch-norm running statistics, else 0. */
    private static INDArray batchNormStatisticsMask(ComputationGraph g) {
        INDArray saved = g.params().dup();
        g.params().assign(0);
        g.paramTable().forEach((key, view) -> {
            if (isRunningStatistic(key)) {
                view.assign(1);
            }
        });
        INDArray mask = g.params().dup();
        g.params().assign(saved);
        return mask;
    }

    /** Whether a parameter key names batch-norm running statistics (not parameters of any loss). */
    public static boolean isRunningStatistic(String key) {
        return key.endsWith("_mean") || key.endsWith("_var") || key.endsWith("_log10stdev");
    }
}
