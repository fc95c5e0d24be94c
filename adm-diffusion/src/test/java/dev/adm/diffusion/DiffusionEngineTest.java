package dev.adm.diffusion;

import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.EngineFixture;
import dev.adm.core.engine.LabelKind;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.engine.StepResult;
import dev.adm.core.methods.MethodRegistry;
import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.FiniteDifferences;
import dev.adm.core.testing.Slow;
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
@Slow
class DiffusionEngineTest extends AdmTestBase {
    /** The U-Net's loss carries about 1e-14 of rounding noise; 1e-5 keeps FD noise well under the tolerance. */
    private static final double STEP = 1e-5;
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
        EngineFixture.Trace trace = EngineFixture.trace(e, x, eps);
        INDArray predicted = e.predict("student", x);
        // the loss is the MSE of the trace's own output
        INDArray out = trace.tensors("student").logits();
        assertEquals(out.sub(eps).mul(out.sub(eps)).meanNumber().doubleValue(), trace.result().terms()
                .get("mse/student"), 1e-12);
        // inference-mode noise prediction: one value per pixel of the noisy images; group norm has no batch
        // statistics, so inference computes what training does
        org.junit.jupiter.api.Assertions.assertArrayEquals(eps.shape(), predicted.shape());
        assertTrue(predicted.equalsWithEps(out, 1e-10), "group norm: predict equals the training forward pass");
        checkGradients(e, trace, x, eps);
        StepResult r = e.step(x, eps);
        assertTrue(Double.isFinite(r.totals().get("student")));
    }

    @Test
    void aUNetWithSelfAttentionTrainsWithExactGradients() {
        ComputationGraph net = UNet.build(TINY.withAttention(true));
        var attn = net.getLayer("mid_attn");
        Nd4j.getRandom().setSeed(4);
        attn.paramTable().values().forEach(p -> p.assign(Nd4j.randn(DataType.DOUBLE, p.shape()).muli(0.5)));
        DistillationEngine e = engine("baseline", List.of(Participant.builder("student", net).role(Role.STUDENT)
                .logits(UNet.NOISE).tap("feat", UNet.FEAT).build()));
        INDArray[] x = {Nd4j.randn(DataType.DOUBLE, 3, 1, 4, 4),
                TimestepEmbedding.of(new int[]{2, 6, 8}, 4, DataType.DOUBLE)};
        INDArray eps = Nd4j.randn(DataType.DOUBLE, 3, 1, 4, 4);
        EngineFixture.Trace trace = EngineFixture.trace(e, x, eps);
        INDArray analytic = trace.gradients().get("student").gradient().dup();
        ComputationGraph trained = e.graph("student"); // the engine's copy of the network
        INDArray params = trained.params();
        SplittableRandom rnd = new SplittableRandom(3);
        for (var entry : trained.getLayer("mid_attn").paramTable().entrySet()) {
            for (int k = 0; k < 3; k++) {
                long i = offsetOf(trained, entry.getValue()) + rnd.nextLong(entry.getValue().length());
                double numeric = FiniteDifferences.derivative(params, i,
                        () -> EngineFixture.lossesWithDetachedInputsFrom(e, trace, x, eps).totals().get("student"),
                        STEP);
                FiniteDifferences.assertClose(analytic.getDouble(i), numeric, 1e-8, 1e-5,
                        "mid_attn " + entry.getKey() + "[" + i + "]");
            }
        }
        checkGradients(e, trace, x, eps);
    }

    /** Every trained network's injected gradient against finite differences, one sampled entry per tensor. */
    private static void checkGradients(DistillationEngine e, EngineFixture.Trace trace, INDArray[] x,
                                       INDArray eps) {
        SplittableRandom rnd = new SplittableRandom(1);
        for (var net : trace.gradients().entrySet()) {
            INDArray analytic = net.getValue().gradient().dup();
            ComputationGraph g = e.graph(net.getKey());
            INDArray params = g.params();
            int checked = 0;
            for (var entry : g.paramTable().entrySet()) {
                if (EngineFixture.isRunningStatistic(entry.getKey())) {
                    continue; // running statistics are not parameters of the loss
                }
                if (rnd.nextInt(3) != 0) {
                    continue; // a third of the tensors, chosen by a fixed seed: enough to catch a wrong path
                }
                long i = offsetOf(g, entry.getValue()) + rnd.nextLong(entry.getValue().length());
                double numeric = FiniteDifferences.derivative(params, i,
                        () -> EngineFixture.lossesWithDetachedInputsFrom(e, trace, x, eps).totals()
                                .get(net.getKey()), STEP);
                FiniteDifferences.assertClose(analytic.getDouble(i), numeric, 1e-8, 1e-5,
                        net.getKey() + " " + entry.getKey() + "[" + i + "]");
                checked++;
            }
            assertTrue(checked > 15, "checked " + checked + " parameter tensors");
        }
    }

    private static List<Participant> pair(boolean teacherTrains) {
        return List.of(
                Participant.builder("teacher", UNet.build(TINY.withSeed(9))).role(Role.TEACHER).logits(UNet.NOISE)
                        .trainable(teacherTrains).tap("feat", UNet.FEAT).build(),
                Participant.builder("student", UNet.build(TINY)).role(Role.STUDENT).logits(UNet.NOISE)
                        .tap("feat", UNet.FEAT).build());
    }

    @Test
    void diffusionDistillationMethodsInjectExactGradients() {
        INDArray[] x = {Nd4j.randn(DataType.DOUBLE, 3, 1, 4, 4),
                TimestepEmbedding.of(new int[]{1, 5, 9}, 4, DataType.DOUBLE)};
        INDArray eps = Nd4j.randn(DataType.DOUBLE, 3, 1, 4, 4);
        List<String> methods = MethodRegistry.namesFor(LabelKind.TARGET);
        assertTrue(methods.containsAll(List.of("baseline", "output-kd", "adm-output-kd")), methods.toString());
        for (String method : methods) {
            boolean online = !MethodRegistry.create(method, Map.of()).freezesTeacher();
            DistillationEngine e = engine(method, pair(online));
            EngineFixture.Trace trace = EngineFixture.trace(e, x, eps);
            assertEquals(online ? 2 : 1, trace.gradients().size(), method);
            checkGradients(e, trace, x, eps);
        }
    }

    @Test
    void admsDivergenceTermWeighsTheTeachersDenoisingErrorByItsSpreadWeights() {
        INDArray[] x = {Nd4j.randn(DataType.DOUBLE, 2, 1, 4, 4),
                TimestepEmbedding.of(new int[]{2, 7}, 4, DataType.DOUBLE)};
        INDArray eps = Nd4j.randn(DataType.DOUBLE, 2, 1, 4, 4);
        DistillationEngine e = new DistillationEngine(MethodRegistry.create("adm", Map.of("tau", "0.3")), pair(true),
                new InputType[]{InputType.convolutional(4, 4, 1), InputType.feedForward(4)}, new long[]{1, 4, 4}, true,
                Map.of());
        EngineFixture.Trace trace = EngineFixture.trace(e, x, eps);
        INDArray fs = trace.tensors("student").tap("feat");
        INDArray ft = trace.tensors("teacher").tap("feat");
        INDArray out = trace.tensors("teacher").logits();
        long h = fs.size(2);
        long w = fs.size(3);
        int stride = (int) (4 / h);
        double di = 0;
        double co = 0;
        for (int b = 0; b < 2; b++) {
            double[] s = new double[(int) (h * w)];
            double[] d = new double[s.length];
            double z = 0;
            double zc = 0;
            for (int l = 0; l < s.length; l++) {
                double dot = 0, na = 0, nb = 0;
                for (int c = 0; c < fs.size(1); c++) {
                    double a = fs.getDouble(b, c, l / w, l % w);
                    double t = ft.getDouble(b, c, l / w, l % w);
                    dot += a * t;
                    na += a * a;
                    nb += t * t;
                }
                s[l] = dot / Math.max(Math.sqrt(na * nb), 1e-8);
                double m = 0;
                for (int c = 0; c < fs.size(1); c++) {
                    double a = fs.getDouble(b, c, l / w, l % w) / Math.sqrt(Math.max(na, 1e-16));
                    double t = ft.getDouble(b, c, l / w, l % w) / Math.sqrt(Math.max(nb, 1e-16));
                    m += (a - t) * (a - t);
                }
                d[l] = m;
                z += Math.exp(-s[l] / 0.3);
                zc += Math.exp(s[l] / 0.3);
            }
            for (int l = 0; l < s.length; l++) {
                co += s.length * Math.exp(s[l] / 0.3) / zc * d[l];
            }
            for (int y = 0; y < 4; y++) {
                for (int xx = 0; xx < 4; xx++) {
                    int l = (int) ((y / stride) * w + xx / stride);
                    double weight = s.length * Math.exp(-s[l] / 0.3) / z;
                    double err = out.getDouble(b, 0, y, xx) - eps.getDouble(b, 0, y, xx);
                    di += weight * err * err;
                }
            }
        }
        assertEquals(di / (2 * 16), trace.result().terms().get("di/teacher"), 1e-10);
        assertEquals(co / (2 * h * w), trace.result().terms().get("co/student"), 1e-10);
    }

    private static long offsetOf(ComputationGraph g, INDArray view) {
        long base = g.params().data().address();
        return (view.data().address() + view.offset() * view.data().getElementSize() - base)
                / view.data().getElementSize();
    }

    @Test
    void classMethodsRefuseRegressionTargetsNamingTheDiffusionMethods() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> engine("kdcl", pair(true)));
        assertTrue(e.getMessage().contains("regression targets"), e.getMessage());
    }
}
