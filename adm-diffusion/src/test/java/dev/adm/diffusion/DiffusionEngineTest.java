package dev.adm.diffusion;

import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.engine.StepResult;
import dev.adm.core.methods.MethodRegistry;
import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.FiniteDifferences;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine on two-input U-Nets with regression targets: the denoising loss and its injected gradients. */
class DiffusionEngineTest extends AdmTestBase {
    private static final UNet.Config TINY = new UNet.Config(1, 4, 4, new int[]{1, 2}, 1, 4, 5, new Sgd(0.1),
            DataType.DOUBLE);

    private static DistillationEngine engine(String method) {
        ComputationGraph net = UNet.build(TINY);
        return engine(method, List.of(Participant.builder("student", net).role(Role.STUDENT).logits(UNet.NOISE)
                .tap("feat", UNet.FEAT).build()));
    }

    private static DistillationEngine engine(String method, List<Participant> nets) {
        return new DistillationEngine(MethodRegistry.create(method, Map.of()), nets,
                new InputType[]{InputType.convolutional(4, 4, 1), InputType.feedForward(4)}, new long[]{1, 4, 4}, true,
                Map.of());
    }

    @Test
    void baselineIsTheDenoisingMseWithExactInjectedGradients() {
        DistillationEngine e = engine("baseline");
        INDArray[] x = {Nd4j.randn(DataType.DOUBLE, 3, 1, 4, 4),
                TimestepEmbedding.of(new int[]{1, 5, 9}, 4, DataType.DOUBLE)};
        INDArray eps = Nd4j.randn(DataType.DOUBLE, 3, 1, 4, 4);
        DistillationEngine.Trace trace = e.computeGradients(x, eps);
        INDArray predicted = e.predict("student", x);
        // training-mode batch norm: the loss uses batch statistics, so recompute it from the trace's own output
        INDArray out = trace.inputs().get("student/logits");
        assertEquals(out.sub(eps).mul(out.sub(eps)).meanNumber().doubleValue(), trace.result().terms()
                .get("mse/student"), 1e-12);
        assertEquals(predicted.shape().length, 4);
        INDArray analytic = trace.gradients().get("student").gradient().dup();
        ComputationGraph g = e.graph("student");
        INDArray params = g.params();
        SplittableRandom rnd = new SplittableRandom(1);
        int checked = 0;
        for (var entry : g.paramTable().entrySet()) {
            if (entry.getKey().endsWith("_mean") || entry.getKey().endsWith("_var")
                    || entry.getKey().endsWith("_log10stdev")) {
                continue; // running statistics are not parameters of the loss
            }
            long offset = offsetOf(g, entry.getValue());
            long i = offset + rnd.nextLong(entry.getValue().length());
            double numeric = FiniteDifferences.derivative(params, i,
                    () -> e.lossesWithDetachedInputsFrom(trace, x, eps).totals().get("student"));
            FiniteDifferences.assertClose(analytic.getDouble(i), numeric, 1e-8, 1e-5, entry.getKey() + "[" + i + "]");
            checked++;
        }
        assertTrue(checked > 40, "checked " + checked + " parameter tensors");
        StepResult r = e.step(x, eps);
        assertTrue(Double.isFinite(r.totals().get("student")));
    }

    private static long offsetOf(ComputationGraph g, INDArray view) {
        long base = g.params().data().address();
        return (view.data().address() + view.offset() * view.data().getElementSize() - base)
                / view.data().getElementSize();
    }

    @Test
    void classMethodsRefuseRegressionTargetsNamingTheDiffusionMethods() {
        List<Participant> pair = List.of(
                Participant.builder("teacher", UNet.build(TINY.withSeed(9))).role(Role.TEACHER).logits(UNet.NOISE).build(),
                Participant.builder("student", UNet.build(TINY)).role(Role.STUDENT).logits(UNet.NOISE).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> engine("dml", pair));
        assertTrue(e.getMessage().contains("regression targets"), e.getMessage());
    }
}
