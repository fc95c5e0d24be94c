package dev.adm.core;

import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.methods.MethodRegistry;
import dev.adm.core.testing.AdmTestBase;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.listeners.CheckpointListener;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.ViewIterator;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DistillerTest extends AdmTestBase {
    private static final int CLASSES = 3;
    private static final int BATCH = 4;
    private static final int BATCHES = 3;

    /** conv "c1" -> GAP "gap" -> softmax "out", with Adam: no vertex is named logits or feat. */
    private static ComputationGraph userGraph(long seed, int channels) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 6, 1))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(channels).activation(Activation.TANH).build(),
                        "in")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** The same shape as a multi-layer network reading flat 36-pixel rows. */
    private static MultiLayerNetwork userMultiLayer(long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.TANH).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(6, 6, 1)).build();
        MultiLayerNetwork n = new MultiLayerNetwork(conf);
        n.init();
        return n;
    }

    private static DataSet data(long seed, boolean flat) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, BATCH * BATCHES, 1, 6, 6);
        INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH * BATCHES, CLASSES);
        for (int i = 0; i < BATCH * BATCHES; i++) {
            y.putScalar(i, i % CLASSES, 1.0);
        }
        return new DataSet(flat ? x.reshape(BATCH * BATCHES, 36) : x, y);
    }

    private static DataSetIterator iterator(DataSet d) {
        return new ViewIterator(d, BATCH);
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertEquals(expected.length(), actual.length(), what + ": lengths");
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-6, what + ": max difference " + diff);
    }

    @Test
    void fitTrainsThePassedGraphsInPlaceLikeTheEngineStepByStep() {
        ComputationGraph teacher = userGraph(1, 4);
        ComputationGraph student = userGraph(2, 4);
        ComputationGraph teacherCopy = teacher.clone();
        ComputationGraph studentCopy = student.clone();
        DataSet d = data(7, false);

        Distiller distiller = Distiller.builder("adm").param("tau", 0.5).teacher(teacher).student(student).build();
        distiller.fit(iterator(d), 2);

        // the same steps on the engine directly, on copies of the untrained graphs
        DistillationEngine reference = new DistillationEngine(MethodRegistry.create("adm", Map.of("tau", "0.5")),
                List.of(Participant.builder("teacher", teacherCopy).role(Role.TEACHER).build(),
                        Participant.builder("student", studentCopy).role(Role.STUDENT).build()),
                new long[]{1, 6, 6}, CLASSES);
        for (int epoch = 0; epoch < 2; epoch++) {
            reference.startEpoch(epoch);
            DataSetIterator it = iterator(d);
            while (it.hasNext()) {
                DataSet b = it.next();
                reference.step(b.getFeatures(), b.getLabels());
            }
            reference.endEpoch();
        }
        assertClose(reference.graph("student").params(), distiller.engine().graph("student").params(), "live");
        for (var e : Map.of("teacher", teacher, "student", student).entrySet()) {
            ComputationGraph exported = distiller.export(e.getKey());
            assertClose(exported.params(), e.getValue().params(), e.getKey() + " exported vs passed");
            assertEquals(2 * BATCHES, e.getValue().getIterationCount(), e.getKey() + " iterations");
            assertEquals(2, e.getValue().getEpochCount(), e.getKey() + " epochs");
        }
        assertFalse(student.params().equals(studentCopy.params()), "the passed student did not change");
        Evaluation eval = student.evaluate(iterator(d)); // DL4J's own evaluation on the passed graph
        assertEquals(BATCH * BATCHES, eval.getConfusionMatrix().getActualTotal(0) + eval.getConfusionMatrix()
                .getActualTotal(1) + eval.getConfusionMatrix().getActualTotal(2));
    }

    @Test
    void theUpdaterStateGoesBackAndForthSoTrainingContinuesWhereItStopped() {
        DataSet d = data(11, false);
        ComputationGraph teacherA = userGraph(3, 4);
        ComputationGraph studentA = userGraph(4, 4);
        ComputationGraph teacherB = teacherA.clone();
        ComputationGraph studentB = studentA.clone();

        Distiller.builder("dml").teacher(teacherA).student(studentA).build().fit(iterator(d), 2);
        Distiller.builder("dml").teacher(teacherB).student(studentB).build().fit(iterator(d), 1);
        // a second distiller on the same graphs: Adam's moments and the counts must carry over
        Distiller.builder("dml").teacher(teacherB).student(studentB).build().fit(iterator(d), 1);

        assertClose(studentA.params(), studentB.params(), "student after 2 epochs vs 1 + 1");
        assertClose(teacherA.params(), teacherB.params(), "teacher after 2 epochs vs 1 + 1");
        assertClose(studentA.getUpdater().getStateViewArray(), studentB.getUpdater().getStateViewArray(), "Adam state");
        assertEquals(2, studentB.getEpochCount());
    }

    /**
     * Two workers (no batch norm here: the same step up to float rounding) train the passed graphs in place as one
     * worker does, Adam's state included, with the listeners called once per step.
     */
    @Test
    void twoWorkersTrainThePassedGraphsInPlaceAsOneDoes() {
        DataSet d = data(19, false);
        ComputationGraph teacherA = userGraph(12, 4);
        ComputationGraph studentA = userGraph(13, 4);
        ComputationGraph teacherB = userGraph(12, 4); // not clone(): DL4J's clone shares the listener list
        ComputationGraph studentB = userGraph(13, 4);
        Counting s = new Counting();
        studentB.setListeners(s);
        Distiller.builder("adm").teacher(teacherA).student(studentA).build().fit(iterator(d), 2);
        Distiller.builder("adm").teacher(teacherB).student(studentB).workers(2).build().fit(iterator(d), 2);
        assertClose(studentA.params(), studentB.params(), "student, 1 vs 2 workers");
        assertClose(teacherA.params(), teacherB.params(), "teacher, 1 vs 2 workers");
        assertClose(studentA.getUpdater().getStateViewArray(), studentB.getUpdater().getStateViewArray(), "Adam state");
        assertEquals(2 * BATCHES, s.calls.get("iteration"));
        assertEquals("workers must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> Distiller.builder("adm").workers(0)).getMessage());
    }

    /** Counts every callback, per network, and what the model looks like when it is called. */
    private static final class Counting extends BaseTrainingListener {
        final Map<String, Integer> calls = new LinkedHashMap<>();
        final List<Integer> iterations = new ArrayList<>();
        final List<Double> scores = new ArrayList<>();
        Model lastModel;
        boolean gradientSeen;

        private void count(String what, Model m) {
            calls.merge(what, 1, Integer::sum);
            lastModel = m;
        }

        @Override
        public void onEpochStart(Model m) {
            count("epochStart", m);
        }

        @Override
        public void onEpochEnd(Model m) {
            count("epochEnd", m);
        }

        @Override
        public void onForwardPass(Model m, Map<String, INDArray> activations) {
            count("forward", m);
        }

        @Override
        public void onForwardPass(Model m, List<INDArray> activations) {
            count("forwardList", m);
        }

        @Override
        public void onGradientCalculation(Model m) {
            count("gradient", m);
            gradientSeen |= m.gradient() != null && m.gradient().gradient().length() == m.numParams();
        }

        @Override
        public void onBackwardPass(Model m) {
            count("backward", m);
        }

        @Override
        public void iterationDone(Model m, int iteration, int epoch) {
            count("iteration", m);
            iterations.add(iteration);
            scores.add(m.score());
            int count = m instanceof ComputationGraph g ? g.getIterationCount()
                    : ((MultiLayerNetwork) m).getIterationCount();
            assertEquals(iteration, count, "the model's count during iterationDone, as in fit");
            assertEquals(BATCH, m.batchSize(), "the batch is on the model, as in fit (DL4J's StatsListener reads it)");
        }
    }

    @Test
    void listenersOnThePassedNetworksAreCalledAsFitCallsThem() {
        ComputationGraph teacher = userGraph(5, 4);
        ComputationGraph student = userGraph(6, 4);
        Counting t = new Counting();
        Counting s = new Counting();
        teacher.setListeners(t);
        student.setListeners(s);
        Distiller distiller = Distiller.builder("adm").teacher(teacher).student(student).build();
        distiller.fit(iterator(data(13, false)), 2);

        Map<String, Integer> expected = Map.of("epochStart", 2, "epochEnd", 2, "forward", 2 * BATCHES,
                "gradient", 2 * BATCHES, "backward", 2 * BATCHES, "iteration", 2 * BATCHES);
        assertEquals(expected, s.calls);
        assertEquals(expected, t.calls);
        assertSame(student, s.lastModel);
        assertSame(teacher, t.lastModel);
        assertEquals(List.of(0, 1, 2, 3, 4, 5), s.iterations);
        assertTrue(s.gradientSeen, "gradient() during onGradientCalculation");
        assertEquals(distiller.lastStep().totals().get("student"), s.scores.get(s.scores.size() - 1), 1e-12);
        assertNull(student.getInputs(), "no reference to a batch is kept after the step");
    }

    @Test
    void aFrozenTeacherHearsNothingAndAMultiLayerStudentIsTrainedInPlace() {
        ComputationGraph teacher = userGraph(8, 4);
        MultiLayerNetwork student = userMultiLayer(9);
        INDArray before = student.params().dup();
        INDArray teacherBefore = teacher.params().dup();
        Counting t = new Counting();
        Counting s = new Counting();
        teacher.setListeners(t);
        student.setListeners(s);
        // [B,36] rows: the student's convolutionalFlat input tells the image shape; the teacher gets [B,1,6,6]
        DataSet flat = data(17, true);

        Distiller distiller = Distiller.builder("kd").frozenTeacher(teacher).student(student).build();
        distiller.fit(iterator(flat), 1);

        assertTrue(t.calls.isEmpty(), "a frozen teacher's listeners: " + t.calls);
        assertEquals(teacherBefore, teacher.params());
        assertEquals(BATCHES, s.calls.get("iteration"));
        assertEquals(BATCHES, s.calls.get("forwardList"), "a multi-layer network's listeners get the list form");
        assertSame(student, s.lastModel);
        assertFalse(before.equals(student.params()));
        assertClose(distiller.export("student").params(), student.params(), "exported vs passed");
        assertEquals(BATCHES, student.getIterationCount());
        assertEquals(1, student.getEpochCount());
        INDArray x = flat.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, BATCH));
        assertClose(distiller.export("student").outputSingle(x.reshape(BATCH, 1, 6, 6)), student.output(x),
                "predictions of the exported and the passed network");
    }

    @Test
    void checkpointListenerSavesThePassedClassifier(@TempDir Path dir) throws Exception {
        ComputationGraph teacher = userGraph(10, 4);
        ComputationGraph student = userGraph(11, 4);
        // CheckpointListener saves when iteration % n == 0: iteration 5 is the last of the 6 steps
        student.setListeners(new CheckpointListener.Builder(dir.toFile()).saveEveryNIterations(2 * BATCHES - 1)
                .keepAll().build());
        Distiller.builder("dml").teacher(teacher).student(student).build().fit(iterator(data(19, false)), 2);

        List<Path> zips;
        try (var files = Files.list(dir)) {
            zips = files.filter(p -> p.toString().endsWith(".zip")).toList();
        }
        assertEquals(1, zips.size(), zips.toString());
        File zip = zips.get(0).toFile();
        ComputationGraph saved = ModelSerializer.restoreComputationGraph(zip, true);
        assertEquals(student.params(), saved.params(), "saved at the last step: the trained parameters");
        assertEquals(List.of("out"), saved.getConfiguration().getNetworkOutputs(), "the user's classifier, no taps");
    }

    @Test
    void flatRowsForAConvolutionalGraphAreReshapedWhenTheImageShapeIsGiven() {
        ComputationGraph teacher = userGraph(12, 4);
        ComputationGraph student = userGraph(13, 4);
        DataSet flat = data(23, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Distiller.builder("dml")
                .teacher(teacher).student(student).build().fit(iterator(flat), 1));
        assertTrue(e.getMessage().contains("starts with a convolution") && e.getMessage().contains("inputTypes("),
                e.getMessage());

        Distiller d = Distiller.builder("dml").teacher(teacher).student(student)
                .inputTypes(InputType.convolutional(6, 6, 1)).build();
        d.fit(iterator(flat), 1);
        assertEquals(BATCHES, student.getIterationCount());
    }

    @Test
    void badSetupsAreRefusedNamingTheFix() {
        ComputationGraph teacher = userGraph(14, 4);
        ComputationGraph student = userGraph(15, 4);
        String unknown = assertThrows(IllegalArgumentException.class, () -> Distiller.builder("admm")).getMessage();
        assertTrue(unknown.contains("known methods") && unknown.contains("adm-kd"), unknown);
        String offline = assertThrows(IllegalStateException.class, () -> Distiller.builder("kd").teacher(teacher)
                .student(student).build()).getMessage();
        assertTrue(offline.contains("frozenTeacher("), offline);
        String online = assertThrows(IllegalStateException.class, () -> Distiller.builder("dml")
                .frozenTeacher(teacher).student(student).build()).getMessage();
        assertTrue(online.contains("teacher(...)"), online);
        String param = assertThrows(IllegalArgumentException.class, () -> Distiller.builder("adm").param("tua", 1)
                .teacher(teacher).student(student).build()).getMessage();
        assertTrue(param.contains("tua"), param);
        String twice = assertThrows(IllegalArgumentException.class, () -> Distiller.builder("dml").teacher(student)
                .student(student)).getMessage();
        assertTrue(twice.contains("twice"), twice);
        String before = assertThrows(IllegalStateException.class, () -> Distiller.builder("dml").teacher(teacher)
                .student(student).build().export("student")).getMessage();
        assertTrue(before.contains("call fit first"), before);
        String epochs = assertThrows(IllegalArgumentException.class, () -> Distiller.builder("dml").teacher(teacher)
                .student(student).build().fit(iterator(data(1, false)), 0)).getMessage();
        assertTrue(epochs.contains("epochs"), epochs);
    }

    @Test
    void aSigmoidOutputLayerIsRefusedByName() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in").setInputTypes(InputType.feedForward(5))
                .addLayer("hidden", new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(), "in")
                .addLayer("multilabel", new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nOut(CLASSES)
                        .activation(Activation.SIGMOID).build(), "hidden")
                .setOutputs("multilabel").build();
        ComputationGraph sigmoid = new ComputationGraph(conf);
        sigmoid.init();
        ComputationGraph other = sigmoid.clone();
        DataSet d = new DataSet(Nd4j.rand(DataType.FLOAT, BATCH, 5), Nd4j.eye(CLASSES).getRows(0, 1, 2, 0));
        String m = assertThrows(IllegalArgumentException.class, () -> Distiller.builder("dml").teacher(sigmoid)
                .student(other).build().fit(iterator(d), 1)).getMessage();
        assertTrue(m.contains("'multilabel'") && m.contains("softmax"), m);
    }

    @Test
    void aHeadThatDoesNotPoolGetsAMessageNamingTheTapOption() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in").setInputTypes(InputType.feedForward(5))
                .addLayer("hidden", new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build();
        ComputationGraph a = new ComputationGraph(conf);
        a.init();
        ComputationGraph b = a.clone();
        DataSet d = new DataSet(Nd4j.rand(DataType.FLOAT, BATCH, 5), Nd4j.eye(CLASSES).getRows(0, 1, 2, 0));
        String m = assertThrows(IllegalArgumentException.class, () -> Distiller.builder("adm").teacher(a).student(b)
                .build().fit(iterator(d), 1)).getMessage();
        assertTrue(m.contains("GlobalPoolingLayer") && m.contains("logits(network, vertex)"), m);

        // dml needs no feature map: the same graphs train, their logits found as the dense output layer
        Distiller dml = Distiller.builder("dml").teacher(a).student(b).build();
        dml.fit(iterator(d), 1);
        assertNotNull(dml.lastStep().totals().get("student"));
    }

    /** conv "c1" -> 1x1 conv "seg" (per-pixel logits): a segmentation network with no vertex named feat. */
    private static ComputationGraph perPixel(long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 6, 1))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.TANH).build(), "in")
                .addLayer("seg", new ConvolutionLayer.Builder(1, 1).nOut(CLASSES).activation(Activation.IDENTITY)
                        .build(), "c1")
                .setOutputs("seg").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void perPixelLabelsTrainASegmentationPairOnceTheFeatureTapIsNamed() {
        ComputationGraph teacher = perPixel(20);
        ComputationGraph student = perPixel(21);
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, BATCH * BATCHES, 1, 6, 6);
        INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH * BATCHES, CLASSES, 6, 6);
        for (int i = 0; i < BATCH * BATCHES; i++) {
            for (int p = 0; p < 36; p++) {
                y.putScalar(new long[]{i, (i + p) % CLASSES, p / 6, p % 6}, 1.0);
            }
        }
        DataSet d = new DataSet(x, y);
        String m = assertThrows(IllegalArgumentException.class, () -> Distiller.builder("adm").teacher(teacher)
                .student(student).build().fit(iterator(d), 1)).getMessage();
        assertTrue(m.contains("tap 'feat'") && m.contains("tap(network, \"feat\", vertex)"), m);

        Distiller named = Distiller.builder("adm").teacher(teacher).student(student).tap("teacher", "feat", "c1")
                .tap("student", "feat", "c1").build();
        named.fit(iterator(d), 1);
        assertEquals(BATCHES, student.getIterationCount());
        ComputationGraph exported = named.export("student");
        assertEquals(List.of("probabilities"), exported.getConfiguration().getNetworkOutputs());
        assertClose(exported.params(), student.params(), "exported vs passed");
    }

    @Test
    void aGraphLaidOutUnlikeTheEnginesCopyIsKeptInStepLayerByLayer() {
        // a dead-end "probe" layer the engine's copy drops: the two graphs' flat layouts differ
        java.util.function.LongFunction<ComputationGraph> withProbe = seed -> {
            ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed)
                    .dataType(DataType.FLOAT).updater(new Adam(1e-2)).weightInit(WeightInit.XAVIER)
                    .convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                    .setInputTypes(InputType.convolutional(6, 6, 1))
                    .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.TANH).build(),
                            "in")
                    .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c1")
                    .addLayer("probe", new DenseLayer.Builder().nOut(2).build(), "c1")
                    .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                            .activation(Activation.SOFTMAX).build(), "gap")
                    .setOutputs("out").allowDisconnected(true).build();
            ComputationGraph g = new ComputationGraph(conf);
            g.init();
            return g;
        };
        DataSet d = data(29, false);
        ComputationGraph teacherA = withProbe.apply(30);
        ComputationGraph studentA = withProbe.apply(31);
        ComputationGraph teacherB = teacherA.clone();
        ComputationGraph studentB = studentA.clone();
        INDArray probe = studentA.getLayer("probe").params().dup();

        Distiller two = Distiller.builder("dml").teacher(teacherA).student(studentA).build();
        two.fit(iterator(d), 2);
        Distiller.builder("dml").teacher(teacherB).student(studentB).build().fit(iterator(d), 1);
        Distiller.builder("dml").teacher(teacherB).student(studentB).build().fit(iterator(d), 1);

        assertFalse(two.engine().graph("student").getConfiguration().getVertices().containsKey("probe"));
        for (String layer : List.of("c1", "out")) {
            assertClose(two.engine().graph("student").getLayer(layer).params(), studentA.getLayer(layer).params(),
                    layer + " live vs passed");
            assertClose(studentA.getLayer(layer).params(), studentB.getLayer(layer).params(), layer + " 2 vs 1 + 1");
        }
        assertEquals(probe, studentA.getLayer("probe").params(), "the layer the engine does not train");
        assertEquals(2 * BATCHES, studentB.getIterationCount());
    }
}
