package dev.adm.core.engine;

import dev.adm.core.methods.MethodRegistry;
import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.Slow;
import dev.adm.core.testing.TinyGraphs;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The logit methods and ADM on dense labels (segmentation): gradients, values, and clear refusals. */
class DenseMethodsTest extends AdmTestBase {
    private static final int CLASSES = 3;
    private static final long[] LABELS = {CLASSES, 4, 4};

    /** One-hot [5,3,4,4]; pixels with (b + i) % 7 == 3 carry the ignore label (all zeros). */
    private static INDArray labels() {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 5, CLASSES, 4, 4);
        for (int b = 0; b < 5; b++) {
            for (int i = 0; i < 16; i++) {
                if ((b + i) % 7 != 3) {
                    y.putScalar(new int[]{b, (b * 3 + i) % CLASSES, i / 4, i % 4}, 1.0);
                }
            }
        }
        return y;
    }

    private static List<Participant> stridedPair(boolean teacherTrains) {
        return List.of(Participant.builder("teacher", TinyGraphs.denseStrided(2, 4, 4, 3, CLASSES, 1, DataType.DOUBLE))
                        .role(Role.TEACHER).trainable(teacherTrains).build(),
                Participant.builder("student", TinyGraphs.denseStrided(2, 4, 4, 3, CLASSES, 2, DataType.DOUBLE))
                        .role(Role.STUDENT).build());
    }

    @Test
    void logitMethodsTrainOnDenseLabelsWithExactGradients() {
        for (String method : List.of("dml", "kdcl")) {
            DistillationEngineTest.checkInjectedGradients(MethodRegistry.create(method, Map.of("T", "2")),
                    stridedPair(true), LABELS, labels());
        }
        DistillationEngineTest.checkInjectedGradients(MethodRegistry.create("kd", Map.of()), stridedPair(false),
                LABELS, labels());
    }

    @Test
    @Slow
    void denseAdmGradientsMatchFiniteDifferences() {
        DistillationEngineTest.checkInjectedGradients(MethodRegistry.create("adm", Map.of("tau", "0.3")),
                stridedPair(true), LABELS, labels());
        DistillationEngineTest.checkInjectedGradients(MethodRegistry.create("adm", Map.of("variant", "mimicry")),
                stridedPair(true), LABELS, labels());
        DistillationEngineTest.checkInjectedGradients(MethodRegistry.create("adm-kd", Map.of()), stridedPair(false),
                LABELS, labels());
    }

    @Test
    void denseAdmTermsEqualAnIndependentComputation() {
        double tau = 0.4;
        double t = 2;
        DistillationEngine engine = new DistillationEngine(MethodRegistry.create("adm", Map.of("tau", "0.4", "T", "2")),
                stridedPair(true), new long[]{2, 4, 4}, LABELS, Map.of());
        INDArray x = Nd4j.randn(DataType.DOUBLE, 5, 2, 4, 4);
        INDArray y = labels();
        StepResult r = EngineFixture.trace(engine, x, y).result();
        INDArray[] student = engine.graph("student").output(false, x); // [logits, tap_feat]
        INDArray[] teacher = engine.graph("teacher").output(false, x);
        double co = 0;
        double di = 0;
        double validPixels = y.sumNumber().doubleValue();
        for (int b = 0; b < 5; b++) {
            double[] s = new double[4];
            double[] valid = new double[4];
            for (int l = 0; l < 4; l++) { // feature location (l/2, l%2) covers label pixels 2x2 from (2*(l/2), 2*(l%2))
                int fi = l / 2;
                int fj = l % 2;
                double dot = 0, ns = 0, nt = 0;
                for (int c = 0; c < 3; c++) {
                    double a = student[1].getDouble(b, c, fi, fj);
                    double d = teacher[1].getDouble(b, c, fi, fj);
                    dot += a * d;
                    ns += a * a;
                    nt += d * d;
                }
                s[l] = dot / Math.max(Math.sqrt(ns * nt), 1e-8);
                for (int k = 0; k < CLASSES; k++) {
                    valid[l] += y.getDouble(b, k, 2 * fi, 2 * fj); // nearest: the block's first pixel
                }
            }
            double[] wCo = weights(s, valid, tau, +1);
            double[] wDi = weights(s, valid, tau, -1);
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    int label = -1;
                    for (int k = 0; k < CLASSES; k++) {
                        label = y.getDouble(b, k, i, j) == 1 ? k : label;
                    }
                    if (label < 0) {
                        continue;
                    }
                    int l = (i / 2) * 2 + j / 2;
                    double[] pt = softmax(teacher[0], b, i, j, t);
                    double[] ps = softmax(student[0], b, i, j, t);
                    double kl = 0;
                    for (int k = 0; k < CLASSES; k++) {
                        kl += pt[k] * (Math.log(pt[k]) - Math.log(ps[k]));
                    }
                    co += wCo[l] * t * t * kl;
                    di += -wDi[l] * Math.log(softmax(teacher[0], b, i, j, 1)[label]);
                }
            }
        }
        assertEquals(co / validPixels, r.terms().get("co/student"), 1e-9);
        assertEquals(di / validPixels, r.terms().get("di/teacher"), 1e-9);
    }

    private static double[] weights(double[] s, double[] valid, double tau, int sign) {
        double sum = 0;
        double n = 0;
        double[] w = new double[s.length];
        for (int l = 0; l < s.length; l++) {
            w[l] = valid[l] * Math.exp(sign * s[l] / tau);
            sum += w[l];
            n += valid[l];
        }
        for (int l = 0; l < s.length; l++) {
            w[l] = sum == 0 ? 0 : w[l] / sum * n;
        }
        return w;
    }

    private static double[] softmax(INDArray logits, int b, int i, int j, double t) {
        double[] p = new double[CLASSES];
        double z = 0;
        for (int k = 0; k < CLASSES; k++) {
            p[k] = Math.exp(logits.getDouble(b, k, i, j) / t);
            z += p[k];
        }
        for (int k = 0; k < CLASSES; k++) {
            p[k] /= z;
        }
        return p;
    }

    /** A frozen teacher whose "up" map ([B,3,4,4], 3 = CLASSES) stands in for an auxiliary head's logits. */
    private static List<Participant> rddPair() {
        return List.of(Participant.builder("teacher", TinyGraphs.denseStrided(2, 4, 4, 3, CLASSES, 1, DataType.DOUBLE))
                        .role(Role.TEACHER).trainable(false).tap("aux", "up").build(),
                Participant.builder("student", TinyGraphs.denseStrided(2, 4, 4, 3, CLASSES, 2, DataType.DOUBLE))
                        .role(Role.STUDENT).build());
    }

    @Test
    void akdGradientsMatchFiniteDifferencesAndItsLossIsTheBaseOnTheStandardisedMap() {
        for (String base : List.of("cwd", "mse")) {
            DistillationEngineTest.checkInjectedGradients(MethodRegistry.create("akd", Map.of("base", base,
                    "avatars", "3", "p", "0.2")), stridedPair(false), LABELS, labels());
        }
        // p = 0: every avatar is the teacher's map, the weights are 1/N, and mse is mean (U(F_s) - F_t)^2
        DistillationEngine e = new DistillationEngine(MethodRegistry.create("akd", Map.of("base", "mse", "p", "0",
                "avatars", "2")), stridedPair(false), new long[]{2, 4, 4}, LABELS, Map.of());
        INDArray x = Nd4j.randn(DataType.DOUBLE, 5, 2, 4, 4);
        StepResult r = EngineFixture.trace(e, x, labels()).result();
        INDArray fs = e.graph("student").output(false, x)[0];
        INDArray ft = e.graph("teacher").output(false, x)[0];
        INDArray mean = fs.mean(true, 0, 2, 3);
        INDArray centred = fs.sub(mean);
        INDArray u = centred.div(org.nd4j.linalg.ops.transforms.Transforms.sqrt(centred.mul(centred)
                .mean(true, 0, 2, 3).add(1e-5)));
        assertEquals(u.sub(ft).mul(u.sub(ft)).meanNumber().doubleValue(), r.terms().get("akd/student"), 1e-10);
        // dropout keeps about 1-p of the elements and rescales them
        INDArray ones = Nd4j.ones(DataType.DOUBLE, 100, 100);
        INDArray dropped = dev.adm.core.methods.MethodTestAccess.akdDropout(ones, 0.25);
        assertEquals(0.75, dropped.gt(0).castTo(DataType.DOUBLE).meanNumber().doubleValue(), 0.02);
        assertEquals(1.0, dropped.meanNumber().doubleValue(), 0.03);
    }

    @Test
    void rddGradientsMatchFiniteDifferencesInBothStagesAndTfeWeighsByTeacherDifficulty() {
        for (String fraction : List.of("0.1", "0")) { // 10 planned iterations: TFE at step 0; 0: TSE from the start
            DistillationEngine e = new DistillationEngine(MethodRegistry.create("rdd", Map.of("tfe_fraction", fraction,
                    "hard_threshold", "0.5", "hard_fraction", "0.2")), rddPair(), new long[]{2, 4, 4}, LABELS,
                    Map.of());
            e.setPlannedIterations(10);
            DistillationEngineTest.checkInjectedGradients(e, "rdd", labels());
            double stage = EngineFixture.trace(e, Nd4j.randn(DataType.DOUBLE, 5, 2, 4, 4), labels()).result().terms()
                    .get("stage/student");
            assertEquals(fraction.equals("0") ? 1.0 : 0.0, stage);
        }
        DistillationEngine e = new DistillationEngine(MethodRegistry.create("rdd", Map.of()), rddPair(),
                new long[]{2, 4, 4}, LABELS, Map.of());
        e.setPlannedIterations(10);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 5, 2, 4, 4);
        INDArray y = labels();
        StepResult r = EngineFixture.trace(e, x, y).result();
        INDArray[] teacher = e.graph("teacher").output(false, x); // [logits, tap_aux, tap_logits]
        INDArray student = e.graph("student").output(false, x)[0];
        double expected = 0;
        for (int b = 0; b < 5; b++) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    int label = -1;
                    for (int k = 0; k < CLASSES; k++) {
                        label = y.getDouble(b, k, i, j) == 1 ? k : label;
                    }
                    if (label < 0) {
                        continue;
                    }
                    double[] main = softmax(teacher[0], b, i, j, 1);
                    double[] aux = softmax(teacher[1], b, i, j, 1);
                    double d = 0;
                    for (int k = 0; k < CLASSES; k++) {
                        d += aux[k] * (Math.log(aux[k]) - Math.log(main[k]));
                    }
                    expected += -Math.exp(-d) * Math.log(softmax(student, b, i, j, 1)[label]);
                }
            }
        }
        assertEquals(expected / y.sumNumber().doubleValue(), r.terms().get("tfe/student"), 1e-9);
        assertEquals(0.0, r.terms().get("tse/student"));
        IllegalArgumentException noAux = assertThrows(IllegalArgumentException.class, () -> new DistillationEngine(
                MethodRegistry.create("rdd", Map.of()), stridedPair(false), new long[]{2, 4, 4}, LABELS, Map.of()));
        assertTrue(noAux.getMessage().contains("--aux"), noAux.getMessage());
    }

    @Test
    void methodsWithoutADenseFormRefuseDenseLabelsBeforeTouchingTheNetworks() {
        List<MethodRegistry.Entry> imageOnly = MethodRegistry.entries().stream()
                .filter(e -> !e.labelKinds().contains(LabelKind.PIXEL)).toList();
        assertTrue(imageOnly.stream().map(MethodRegistry.Entry::name).toList().containsAll(List.of("dkd", "switokd",
                "one", "sokd")), imageOnly.toString());
        for (MethodRegistry.Entry entry : imageOnly) {
            DistillationMethod m = entry.create(Map.of());
            List<Participant> nets = stridedPair(!m.freezesTeacher());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DistillationEngine(m,
                    m.trainsSingleNetwork() ? nets.subList(1, 2) : nets, new long[]{2, 4, 4}, LABELS, Map.of()));
            assertTrue(e.getMessage().contains(m.displayName() + " is defined on ")
                    && e.getMessage().contains("does not run on per-pixel class labels (segmentation)"),
                    e.getMessage());
            assertTrue(!MethodRegistry.namesFor(LabelKind.PIXEL).contains(entry.name()));
        }
        IllegalArgumentException stride = assertThrows(IllegalArgumentException.class, () -> new DistillationEngine(
                MethodRegistry.create("adm", Map.of()), stridedPair(true), new long[]{2, 4, 4},
                new long[]{CLASSES, 5, 5}, Map.of()));
        assertTrue(stride.getMessage().contains("must divide the label size"), stride.getMessage());
    }
}
