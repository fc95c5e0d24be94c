package dev.adm.core.engine;

import dev.adm.core.methods.MethodRegistry;
import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.Slow;
import dev.adm.core.testing.TinyGraphs;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.File;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DistillationEngineTest extends AdmTestBase {
    private static final long[] INPUT = {2, 4, 4};
    private static final int CLASSES = 3;

    private static INDArray features(DataType type) {
        return Nd4j.randn(type, 5, 2, 4, 4);
    }

    private static INDArray labels(DataType type) {
        return Nd4j.eye(CLASSES).getRows(0, 1, 2, 1, 0).castTo(type);
    }

    private static List<Participant> pair(DataType type, int teacherChannels, boolean teacherTrains) {
        ComputationGraph t = TinyGraphs.smooth(2, 4, 4, teacherChannels, CLASSES, 1, type);
        ComputationGraph s = TinyGraphs.smooth(2, 4, 4, 3, CLASSES, 2, type);
        return List.of(Participant.builder("teacher", t).role(Role.TEACHER).trainable(teacherTrains).build(),
                Participant.builder("student", s).role(Role.STUDENT).build());
    }

    private static List<Participant> twoStagePair(DataType type, boolean teacherTrains) {
        ComputationGraph t = TinyGraphs.twoStage(2, 4, 4, 3, 4, CLASSES, 1, type);
        ComputationGraph s = TinyGraphs.twoStage(2, 4, 4, 2, 4, CLASSES, 2, type);
        return List.of(Participant.builder("teacher", t).role(Role.TEACHER).trainable(teacherTrains)
                        .tap("feat", "stage2").build(),
                Participant.builder("student", s).role(Role.STUDENT).tap("feat", "stage2").build());
    }

    /**
     * The gradients the engine injects (external errors at logits and taps, plus the head gradient of the
     * modulated path) must equal finite differences of each network's total loss w.r.t. every one of its
     * parameters, backbone and head, with the stop-gradient inputs held fixed.
     */
    private static void checkInjectedGradients(DistillationMethod method, int teacherChannels) {
        checkInjectedGradients(method, teacherChannels, true);
    }

    private static void checkInjectedGradients(DistillationMethod method, int teacherChannels, boolean teacherTrains) {
        checkInjectedGradients(method, pair(DataType.DOUBLE, teacherChannels, teacherTrains));
    }

    /**
     * As above for any set of networks (the method may add its own): every trained network that was updated
     * this step, every parameter except batch-norm running statistics (which DL4J updates through the gradient
     * buffer but which are not parameters of the loss).
     */
    static DistillationEngine checkInjectedGradients(DistillationMethod method, List<Participant> nets) {
        return checkInjectedGradients(method, nets, new long[]{CLASSES}, labels(DataType.DOUBLE));
    }

    static DistillationEngine checkInjectedGradients(DistillationMethod method, List<Participant> nets,
                                                     long[] labelShape, INDArray y) {
        return checkInjectedGradients(new DistillationEngine(method, nets, INPUT, labelShape, Map.of()), method.name(),
                y);
    }

    /** As above on a prepared engine (for example one told its planned iterations). */
    static DistillationEngine checkInjectedGradients(DistillationEngine engine, String methodName, INDArray y) {
        EngineFixture.assertInjectedGradientsMatchFiniteDifferences(engine, methodName, features(DataType.DOUBLE), y);
        return engine;
    }

    private static DistillationMethod adm(Map<String, String> params) {
        return MethodRegistry.create("adm", params);
    }

    @Test
    void admDecisionGradientsAreCompleteForBackboneAndHead() {
        checkInjectedGradients(adm(Map.of()), 3);
    }

    @Test
    void admAttentionWithDifferentChannelCountsGradients() {
        checkInjectedGradients(adm(Map.of("similarity", "attention")), 5);
    }

    @Test
    void admMimicryGradients() {
        checkInjectedGradients(adm(Map.of("variant", "mimicry")), 3);
    }

    @Test
    void admOnOtherBasesGradients() {
        checkInjectedGradients(MethodRegistry.create("adm-kdcl", Map.of()), 3);
        checkInjectedGradients(MethodRegistry.create("adm-kd", Map.of()), 3, false);
        checkInjectedGradients(MethodRegistry.create("adm-dkd", Map.of("warmup", "1")), 3, false);
    }

    /**
     * With uniform location weights (a temperature far above |S| <= 1, the experiments' {@code adm-uniform} row) ADM's
     * terms repeat its base's: the consensus-pooled features are the plain average pool, so L_co is DML's KL term,
     * and L_di is the teacher's cross-entropy.
     */
    @Test
    void admWithUniformWeightsRepeatsItsBasesTerms() {
        StepResult r = admStep("1e6");
        double kl = r.terms().get("kl/student");
        double ce = r.terms().get("ce/teacher");
        assertTrue(kl > 1e-4 && ce > 1e-2, r.terms().toString());
        assertEquals(kl, r.terms().get("co/student"), 1e-5 * kl);
        assertEquals(ce, r.terms().get("di/teacher"), 1e-5 * ce);
        StepResult sharp = admStep("0.01");
        assertNotEquals(sharp.terms().get("ce/teacher"), sharp.terms().get("di/teacher"), 1e-5 * ce,
                "a sharp temperature weights the locations unequally");
    }

    /**
     * Offline, against a frozen teacher, the same holds: with uniform weights the L_co of {@code adm-kd} and of
     * {@code adm-dkd} is KD's own term at their temperature, so the experiments' {@code adm-dkd-uniform} row is DKD
     * with KD's term added at ADM's weight: the matched-weight control for {@code adm-dkd}, as {@code kd-b=1.9} is for
     * {@code adm-kd}.
     */
    @Test
    void offlineAdmWithUniformWeightsAddsKdsTerm() {
        INDArray x = features(DataType.DOUBLE);
        INDArray y = labels(DataType.DOUBLE);
        double kd = step("kd", Map.of(), false, x, y).terms().get("kd/student");
        assertTrue(kd > 1e-4, "kd term " + kd);
        for (String method : List.of("adm-kd", "adm-dkd")) {
            assertEquals(kd, step(method, Map.of("tau", "1e6"), false, x, y).terms().get("co/student"), 1e-5 * kd,
                    method);
            assertNotEquals(kd, step(method, Map.of("tau", "0.01"), false, x, y).terms().get("co/student"), 1e-5 * kd,
                    method + ": a sharp temperature weights the locations unequally");
        }
    }

    /** One step of {@code adm} with the given temperature on a fresh teacher-student pair. */
    private static StepResult admStep(String tau) {
        return step("adm", Map.of("tau", tau), true, features(DataType.DOUBLE), labels(DataType.DOUBLE));
    }

    /** One step of a method on a fresh teacher-student pair, its teacher trained or frozen. */
    private static StepResult step(String method, Map<String, String> params, boolean teacherTrains, INDArray x,
                                   INDArray y) {
        return new DistillationEngine(MethodRegistry.create(method, params), pair(DataType.DOUBLE, 3, teacherTrains),
                INPUT, new long[]{CLASSES}, Map.of()).step(x, y);
    }

    @Test
    void admWithTwoStudentsAndOneTeacherAveragesItsPairs() {
        List<Participant> nets = new java.util.ArrayList<>(pair(DataType.DOUBLE, 3, true));
        nets.add(Participant.builder("student2", TinyGraphs.smooth(2, 4, 4, 3, CLASSES, 3, DataType.DOUBLE))
                .role(Role.STUDENT).build());
        DistillationEngine e = checkInjectedGradients(adm(Map.of()), nets);
        StepResult r = e.step(features(DataType.DOUBLE), labels(DataType.DOUBLE));
        assertEquals(java.util.Set.of("ce/teacher", "kl/teacher", "di/teacher", "ce/student", "kl/student",
                "co/student", "ce/student2", "kl/student2", "co/student2"), r.terms().keySet());
    }

    @Test
    void admWithTwoTeachersAndOneStudentGradients() {
        List<Participant> nets = new java.util.ArrayList<>(pair(DataType.DOUBLE, 3, true));
        nets.add(0, Participant.builder("teacher2", TinyGraphs.smooth(2, 4, 4, 3, CLASSES, 4, DataType.DOUBLE))
                .role(Role.TEACHER).build());
        checkInjectedGradients(adm(Map.of("variant", "mimicry")), nets);
    }

    @Test
    void fitnetTrainsItsRegressorWithTheStudent() {
        DistillationEngine e = checkInjectedGradients(MethodRegistry.create("fitnet", Map.of("hint", "stage1")),
                twoStagePair(DataType.DOUBLE, false));
        assertTrue(e.graph("student").paramTable().containsKey("fitnet_regressor_W"));
        ComputationGraph plain = GraphSurgery.forInference(e.graph("student"), "logits");
        assertTrue(!plain.getConfiguration().getVertices().containsKey("fitnet_regressor"),
                "the exported classifier still holds the regressor");
        assertEquals(TinyGraphs.twoStage(2, 4, 4, 2, 4, CLASSES, 2, DataType.DOUBLE).numParams(), plain.numParams());
    }

    @Test
    void oneBranchesAndGateGradients() {
        ComputationGraph g = TinyGraphs.twoStage(2, 4, 4, 3, 4, CLASSES, 5, DataType.DOUBLE);
        DistillationEngine e = checkInjectedGradients(MethodRegistry.create("one", Map.of("rampup", "2")),
                List.of(Participant.builder("student", g).role(Role.STUDENT).build()));
        var vertices = e.graph("student").getConfiguration().getVertices().keySet();
        assertTrue(vertices.containsAll(List.of("branch2_stage2", "branch3_logits", "one_gate")), vertices.toString());
        assertEquals(g.numParams(), GraphSurgery.forInference(e.graph("student"), "logits").numParams());
    }

    @Test
    void sokdPeerReadsTheTeachersMapAndTrainsWithTheStudent() {
        List<Participant> nets = twoStagePair(DataType.DOUBLE, false);
        INDArray teacherBefore = nets.get(0).graph().params().dup();
        DistillationEngine e = checkInjectedGradients(MethodRegistry.create("sokd", Map.of("split", "stage1")), nets);
        assertEquals(List.of("teacher", "student", "peer"), e.networks().stream().map(NetworkRef::name).toList());
        INDArray x = features(DataType.DOUBLE);
        e.step(x, labels(DataType.DOUBLE));
        assertEquals(teacherBefore, e.graph("teacher").params());
        assertEquals(List.of(5L, (long) CLASSES), List.of(e.predict("peer", x).shape()[0], e.predict("peer", x).shape()[1]));
    }

    @Test
    void switokdGatesTheTeacherAndPrescribesItsLearningRates() {
        DistillationMethod m = MethodRegistry.create("switokd", Map.of());
        assertEquals(0.1, m.learningRate(Role.TEACHER).orElseThrow());
        assertEquals(0.01, m.learningRate(Role.STUDENT).orElseThrow());
        checkInjectedGradients(m, pair(DataType.DOUBLE, 3, true));
        // Heads answering p_t = (0.8, 0.2, ~0) and p_s = (0.2, ~0, 0.8) for every image. With every label 0 the
        // teacher is right and the student wrong elsewhere: G = 1.6 > delta = 1.27 and e_t = 0.4 < e_s = 1.6, so the
        // step is in expert mode and the teacher must stay as it was. With every label 2 the teacher is the worse
        // one (e_t = 2 > e_s = 0.4): learning mode, and both update.
        for (int label : new int[]{0, 2}) {
            List<Participant> nets = pair(DataType.DOUBLE, 3, true);
            answerAlways(nets.get(0).graph(), 0.8, 0.2, 1e-9);
            answerAlways(nets.get(1).graph(), 0.2, 1e-9, 0.8);
            DistillationEngine e = new DistillationEngine(m, nets, INPUT, CLASSES);
            INDArray y = Nd4j.zeros(DataType.DOUBLE, 5, CLASSES);
            y.getColumn(label).assign(1);
            INDArray teacherBefore = e.graph("teacher").params().dup();
            INDArray studentBefore = e.graph("student").params().dup();
            StepResult r = e.step(features(DataType.DOUBLE), y);
            boolean learning = label == 2;
            assertEquals(learning, r.updated().get("teacher"), "label " + label);
            assertEquals(learning, !teacherBefore.equals(e.graph("teacher").params()), "label " + label);
            assertTrue(r.updated().get("student") && !studentBefore.equals(e.graph("student").params()));
        }
    }

    /** Sets a classifier's head to answer the probabilities {@code p} for every input: zero weights, bias log p. */
    private static void answerAlways(ComputationGraph g, double... p) {
        g.getLayer("logits").getParam("W").assign(0);
        INDArray b = g.getLayer("logits").getParam("b");
        for (int k = 0; k < p.length; k++) {
            b.putScalar(k, Math.log(p[k]));
        }
    }

    @Test
    void denseLabelsGiveTheMeanCrossEntropyOverValidPixels() {
        ComputationGraph g = TinyGraphs.dense(2, 4, 4, 3, CLASSES, 6, DataType.DOUBLE);
        DistillationEngine e = new DistillationEngine(MethodRegistry.create("baseline", Map.of()),
                List.of(Participant.builder("student", g).role(Role.STUDENT).build()), INPUT,
                new long[]{CLASSES, 4, 4}, Map.of());
        INDArray x = features(DataType.DOUBLE);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 5, CLASSES, 4, 4);
        java.util.Random r = new java.util.Random(2);
        int valid = 0;
        for (int b = 0; b < 5; b++) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    if ((b + i + j) % 5 != 0) { // every fifth pixel carries the ignore label: all zeros
                        y.putScalar(new int[]{b, r.nextInt(CLASSES), i, j}, 1.0);
                        valid++;
                    }
                }
            }
        }
        EngineFixture.Trace trace = EngineFixture.trace(e, x, y);
        INDArray logits = trace.tensors("student").logits();
        INDArray logSoftmax = Transforms.log(Transforms.softmax(logits.permute(0, 2, 3, 1).reshape(-1, CLASSES)));
        double expected = -logSoftmax.mul(y.permute(0, 2, 3, 1).reshape(-1, CLASSES)).sumNumber().doubleValue() / valid;
        assertEquals(expected, trace.result().totals().get("student"), 1e-10);
        checkInjectedGradients(MethodRegistry.create("baseline", Map.of()), List.of(Participant.builder("student",
                TinyGraphs.dense(2, 4, 4, 3, CLASSES, 6, DataType.DOUBLE)).role(Role.STUDENT).build()),
                new long[]{CLASSES, 4, 4}, y);
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> e.step(x, labels(DataType.DOUBLE)));
        assertTrue(wrong.getMessage().contains("[5, 3, 4, 4]"), wrong.getMessage());
    }

    @Test
    void denseMethodsNeedDenseLabelsAndTrainOnThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DistillationEngine(
                MethodRegistry.create("pixel-kd", Map.of()), pair(DataType.FLOAT, 3, false), INPUT, CLASSES));
        assertTrue(e.getMessage().contains("does not run on image-level class labels"), e.getMessage());
        List<Participant> dense = List.of(
                Participant.builder("teacher", TinyGraphs.dense(2, 4, 4, 3, CLASSES, 1, DataType.DOUBLE))
                        .role(Role.TEACHER).trainable(false).build(),
                Participant.builder("student", TinyGraphs.dense(2, 4, 4, 2, CLASSES, 2, DataType.DOUBLE))
                        .role(Role.STUDENT).build());
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 5, CLASSES, 4, 4);
        for (int b = 0; b < 5; b++) {
            for (int i = 0; i < 16; i++) {
                if (i % 7 != 3) {
                    y.putScalar(new int[]{b, (b + i) % CLASSES, i / 4, i % 4}, 1.0);
                }
            }
        }
        checkInjectedGradients(MethodRegistry.create("pixel-kd", Map.of("T", "2")), dense, new long[]{CLASSES, 4, 4},
                y);
    }

    @Test
    void headReceivesGradientFromTheModulatedPath() {
        // With alpha = beta = 0 the ADM terms vanish; the head gradient must then differ from the full ADM one.
        INDArray x = features(DataType.DOUBLE);
        INDArray y = labels(DataType.DOUBLE);
        INDArray withAdm = headGradient(adm(Map.of()), x, y);
        INDArray without = headGradient(adm(Map.of("alpha", "0", "beta", "0")), x, y);
        assertTrue(withAdm.sub(without).norm2Number().doubleValue() > 1e-6, "L_co adds no head gradient");
    }

    private static INDArray headGradient(DistillationMethod m, INDArray x, INDArray y) {
        DistillationEngine e = new DistillationEngine(m, pair(DataType.DOUBLE, 3, true), INPUT, CLASSES);
        return EngineFixture.trace(e, x, y).gradients().get("student").getGradientFor("logits_W").dup();
    }

    @Test
    void baselineStepIsExactlyDl4jFit() {
        // The engine's forward / injected-error backward / updater path must reproduce ComputationGraph.fit,
        // batch-norm running statistics and momentum included.
        ComputationGraph viaFit = TinyGraphs.withHelperLayers(3);
        ComputationGraph viaEngine = TinyGraphs.withHelperLayers(3);
        DistillationEngine e = new DistillationEngine(MethodRegistry.create("baseline", Map.of()),
                List.of(Participant.builder("student", viaEngine).role(Role.STUDENT).build()), new long[]{1, 8, 8}, 3);
        for (int step = 0; step < 3; step++) {
            INDArray x = Nd4j.rand(DataType.FLOAT, 6, 1, 8, 8);
            INDArray y = Nd4j.eye(3).getRows(0, 1, 2, 2, 1, 0).castTo(DataType.FLOAT);
            viaFit.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
            StepResult r = e.step(x, y);
            assertEquals(viaFit.score(), r.totals().get("student"), 1e-5);
            assertTrue(viaFit.params().equalsWithEps(e.graph("student").params(), 1e-5), "step " + step);
        }
    }

    @Test
    void sameSeedSameNumbers() {
        INDArray x = features(DataType.FLOAT);
        INDArray y = labels(DataType.FLOAT);
        INDArray[] finals = new INDArray[2];
        double[] losses = new double[2];
        for (int run = 0; run < 2; run++) {
            DistillationEngine e = new DistillationEngine(MethodRegistry.create("adm", Map.of()),
                    pair(DataType.FLOAT, 3, true), INPUT, CLASSES);
            StepResult r = null;
            for (int step = 0; step < 3; step++) {
                r = e.step(x, y);
            }
            finals[run] = e.graph("student").params().dup();
            losses[run] = r.totals().get("student");
        }
        assertEquals(finals[0], finals[1]);
        assertEquals(losses[0], losses[1]);
    }

    @Test
    void twoAkdEnginesDrawTheSameAvatarsWhateverWasDrawnBefore() {
        // every step reseeds ND4J from the engine's seed (0 unless set) and its iteration, so two engines draw the
        // same dropout masks even when other draws happened between their steps
        INDArray x = features(DataType.FLOAT);
        INDArray y = labels(DataType.FLOAT);
        DistillationEngine[] engines = new DistillationEngine[2];
        double[][] losses = new double[2][3];
        for (int run = 0; run < 2; run++) {
            engines[run] = new DistillationEngine(MethodRegistry.create("akd", Map.of("tap", "feat", "p", "0.3")),
                    twoStagePair(DataType.FLOAT, false), INPUT, CLASSES);
            for (int step = 0; step < 3; step++) {
                Nd4j.rand(DataType.FLOAT, 7 + run, 3); // unrelated draws, different in each run
                losses[run][step] = engines[run].step(x, y).totals().get("student");
            }
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(losses[0], losses[1]);
        assertEquals(engines[0].graph("student").params(), engines[1].graph("student").params());
    }

    @Test
    void frozenTeacherNeverChangesAndStudentLearns() {
        List<Participant> nets = pair(DataType.FLOAT, 3, false);
        INDArray teacherBefore = nets.get(0).graph().params().dup();
        DistillationEngine e = new DistillationEngine(MethodRegistry.create("kd", Map.of()), nets, INPUT, CLASSES);
        INDArray x = features(DataType.FLOAT);
        INDArray y = labels(DataType.FLOAT);
        double first = e.step(x, y).totals().get("student");
        double last = first;
        for (int i = 0; i < 30; i++) {
            last = e.step(x, y).totals().get("student");
        }
        assertEquals(teacherBefore, e.graph("teacher").params());
        assertTrue(last < first, "student loss did not fall: " + first + " -> " + last);
        assertEquals(Map.of("student", last).keySet(), e.step(x, y).totals().keySet());
    }

    @Test
    void aNonFiniteLossStopsTrainingNamingTheStepAndTermBeforeAnyUpdate() {
        DistillationEngine e = new DistillationEngine(MethodRegistry.create("dml", Map.of()), pair(DataType.FLOAT, 3,
                true), INPUT, CLASSES);
        INDArray x = features(DataType.FLOAT);
        INDArray y = labels(DataType.FLOAT);
        e.step(x, y);
        INDArray before = e.graph("student").params().dup();
        INDArray bad = x.dup();
        bad.putScalar(new int[]{1, 0, 2, 2}, Float.NaN);
        TrainingStoppedException stop = assertThrows(TrainingStoppedException.class, () -> e.step(bad, y));
        assertTrue(stop.getMessage().contains("step 2 (epoch 1)") && stop.getMessage().contains("loss term '")
                && stop.getMessage().contains("NaN") && stop.getMessage().contains("lower the learning rate"),
                stop.getMessage());
        assertEquals(2, stop.step());
        assertEquals(before, e.graph("student").params(), "nothing was updated");
        assertTrue(Double.isFinite(e.step(x, y).totals().get("student")), "training continues on good data");
    }

    /**
     * Every registered method that trains on class labels (dense-label and diffusion methods are tested in
     * DenseMethodsTest and adm-diffusion's DiffusionEngineTest).
     */
    private static List<MethodRegistry.Entry> classificationMethods() {
        List<MethodRegistry.Entry> methods = MethodRegistry.entries().stream()
                .filter(e -> e.labelKinds().contains(LabelKind.CLASS)).toList();
        assertTrue(methods.size() >= 15, "classification methods: " + methods);
        return methods;
    }

    /** The method on {@link #twoStagePair}: frozen teacher for offline methods, the student alone for ONE. */
    private static DistillationEngine twoStageEngine(MethodRegistry.Entry entry) {
        return twoStageEngine(entry, DataType.FLOAT);
    }

    private static DistillationEngine twoStageEngine(MethodRegistry.Entry entry, DataType type) {
        Map<String, Map<String, String>> params = Map.of("at", Map.of("layers", "stage1;stage2"),
                "fitnet", Map.of("hint", "stage1"), "sokd", Map.of("split", "stage1"), "akd", Map.of("tap", "feat"));
        DistillationMethod method = entry.create(params.getOrDefault(entry.name(), Map.of()));
        List<Participant> nets = twoStagePair(type, !method.freezesTeacher());
        return new DistillationEngine(method, method.trainsSingleNetwork() ? nets.subList(1, 2) : nets, INPUT,
                CLASSES);
    }

    @Test
    @Slow
    void everyClassificationMethodInjectsExactGradients() {
        // every parameter of every updated network, whatever parts the method adds (regressor, branches, peer)
        for (var entry : classificationMethods()) {
            checkInjectedGradients(twoStageEngine(entry, DataType.DOUBLE), entry.name(), labels(DataType.DOUBLE));
        }
    }

    @Test
    void everyRegisteredMethodBuildsAndGivesFiniteLosses() {
        INDArray x = features(DataType.FLOAT);
        INDArray y = labels(DataType.FLOAT);
        for (var entry : classificationMethods()) {
            StepResult r = twoStageEngine(entry).step(x, y);
            assertTrue(!r.terms().isEmpty(), entry.name());
            r.terms().forEach((k, v) -> assertTrue(Double.isFinite(v), entry.name() + " " + k + " = " + v));
        }
    }

    @Test
    void stepsInTheActivationWorkspaceEqualStepsWithFreshArrays() {
        // step() keeps the networks' activations in DL4J's activation workspace, reused from step to step; with
        // workspaces switched off on the engine's graphs every array is fresh. Every method must train the same.
        INDArray x = features(DataType.FLOAT);
        INDArray y = labels(DataType.FLOAT);
        for (var entry : classificationMethods()) {
            DistillationEngine[] engines = {twoStageEngine(entry), twoStageEngine(entry)};
            for (NetworkRef n : engines[1].networks()) {
                engines[1].graph(n.name()).getConfiguration().setTrainingWorkspaceMode(WorkspaceMode.NONE);
                engines[1].graph(n.name()).getConfiguration().setInferenceWorkspaceMode(WorkspaceMode.NONE);
            }
            StepResult[] last = new StepResult[2];
            for (int run = 0; run < 2; run++) {
                for (int step = 0; step < 3; step++) {
                    last[run] = engines[run].step(x, y);
                }
            }
            assertEquals(last[1].totals().keySet(), last[0].totals().keySet(), entry.name());
            for (String k : last[0].totals().keySet()) {
                assertEquals(last[1].totals().get(k), last[0].totals().get(k), 1e-6, entry.name() + " " + k);
            }
            for (NetworkRef n : engines[0].networks()) {
                assertTrue(engines[1].graph(n.name()).params().equalsWithEps(engines[0].graph(n.name()).params(),
                        1e-6), entry.name() + " " + n.name());
            }
        }
    }

    @Test
    void cosineWithDifferentChannelCountsFailsBeforeTraining() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DistillationEngine(
                MethodRegistry.create("adm", Map.of()), pair(DataType.FLOAT, 5, true), INPUT, CLASSES));
        assertTrue(e.getMessage().contains("[3, 4, 4]") && e.getMessage().contains("[5, 4, 4]")
                && e.getMessage().contains("attention"), e.getMessage());
    }

    @Test
    void admRefusesAFeatureTapTheHeadDoesNotPool() {
        ComputationGraph t = TinyGraphs.smooth(2, 4, 4, 3, CLASSES, 1, DataType.FLOAT);
        ComputationGraph s = TinyGraphs.smooth(2, 4, 4, 3, CLASSES, 2, DataType.FLOAT);
        List<Participant> nets = List.of(Participant.builder("teacher", t).role(Role.TEACHER).build(),
                Participant.builder("student", s).role(Role.STUDENT).tap("feat", "pool").build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DistillationEngine(
                MethodRegistry.create("adm", Map.of()), nets, INPUT, CLASSES));
        assertTrue(e.getMessage().contains("classifier pools vertex 'feat'"), e.getMessage());
    }

    @Test
    void aBaseMethodsRefusalNamesTheMethodTheUserChose() {
        List<Participant> alone = pair(DataType.FLOAT, 3, true).subList(1, 2);
        IllegalArgumentException dml = assertThrows(IllegalArgumentException.class, () -> new DistillationEngine(
                MethodRegistry.create("dml", Map.of()), alone, INPUT, CLASSES));
        assertTrue(dml.getMessage().startsWith("dml needs at least two networks"), dml.getMessage());
        IllegalArgumentException adm = assertThrows(IllegalArgumentException.class, () -> new DistillationEngine(
                MethodRegistry.create("adm", Map.of()), alone, INPUT, CLASSES));
        assertTrue(adm.getMessage().startsWith("adm (on dml) needs at least two networks"), adm.getMessage());
        IllegalArgumentException kd = assertThrows(IllegalArgumentException.class, () -> new DistillationEngine(
                MethodRegistry.create("adm-kd", Map.of()), pair(DataType.FLOAT, 3, true), INPUT, CLASSES));
        assertTrue(kd.getMessage().startsWith("adm-kd (on kd) is offline"), kd.getMessage());
    }

    @Test
    void kdRefusesATrainableTeacher() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DistillationEngine(
                MethodRegistry.create("kd", Map.of()), pair(DataType.FLOAT, 3, true), INPUT, CLASSES));
        assertTrue(e.getMessage().contains("freeze the teacher"), e.getMessage());
    }

    @Test
    void inferenceFormIsAPlainDl4jClassifierWithTheSameLogits(@TempDir File dir) throws Exception {
        DistillationEngine e = new DistillationEngine(MethodRegistry.create("adm", Map.of()),
                pair(DataType.FLOAT, 3, true), INPUT, CLASSES);
        INDArray x = features(DataType.FLOAT);
        e.step(x, labels(DataType.FLOAT));
        ComputationGraph live = e.graph("student");
        ComputationGraph plain = GraphSurgery.forInference(live, "logits");
        assertEquals(List.of("logits"), plain.getConfiguration().getNetworkOutputs());
        File file = new File(dir, "student.zip");
        ModelSerializer.writeModel(plain, file, false);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, false);
        INDArray probs = restored.output(false, x)[0];
        INDArray logits = live.output(false, x)[0];
        assertTrue(Transforms.softmax(logits).equalsWithEps(probs, 1e-5));
        assertNotEquals(live.getConfiguration().getNetworkOutputs(), plain.getConfiguration().getNetworkOutputs());
    }

    @Test
    void unknownTapAndDuplicateNamesAreClearErrors() {
        ComputationGraph g = TinyGraphs.smooth(2, 4, 4, 3, CLASSES, 1, DataType.FLOAT);
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> new DistillationEngine(
                MethodRegistry.create("dml", Map.of()), List.of(Participant.builder("a", g).build(),
                Participant.builder("a", g).build()), INPUT, CLASSES));
        assertTrue(dup.getMessage().contains("two networks are named 'a'"), dup.getMessage());
        IllegalArgumentException tap = assertThrows(IllegalArgumentException.class,
                () -> Participant.builder("a", g).tap("feat", "nope"));
        assertTrue(tap.getMessage().contains("nope"), tap.getMessage());
    }
}
