package dev.adm.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.TinyGraphs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class SparkDistillationTest extends AdmTestBase {
    private static final int CLASSES = 3;
    private static final InputType[] INPUT = {InputType.convolutional(4, 4, 2)};
    private static JavaSparkContext sc;

    @BeforeAll
    static void startSpark() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("adm-spark-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1"));
    }

    @AfterAll
    static void stopSpark() {
        sc.stop();
    }

    /** conv-BN-ReLU, pooled, softmax; Adam, so the updater state must travel too. */
    private static ComputationGraph withBatchNorm(int channels, long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE)
                .updater(new Adam(0.01)).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs("input").setInputTypes(INPUT)
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(channels).activation(Activation.IDENTITY)
                        .build(), "input")
                .addLayer("feat", new BatchNormalization.Builder().activation(Activation.RELU).build(), "conv")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "feat")
                .addLayer("logits", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("logits").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    private static List<Participant> adamPair(boolean teacherTrains) {
        return List.of(Participant.builder("teacher", withBatchNorm(4, 1)).role(Role.TEACHER)
                        .trainable(teacherTrains).build(),
                Participant.builder("student", withBatchNorm(4, 2)).role(Role.STUDENT).build());
    }

    private static List<Participant> sgdPair() {
        return List.of(Participant.builder("teacher", TinyGraphs.twoStage(2, 4, 4, 3, 4, CLASSES, 1, DataType.DOUBLE))
                        .role(Role.TEACHER).tap("feat", "stage2").build(),
                Participant.builder("student", TinyGraphs.twoStage(2, 4, 4, 2, 4, CLASSES, 2, DataType.DOUBLE))
                        .role(Role.STUDENT).tap("feat", "stage2").build());
    }

    private static List<DataSet> batches(int count, int size, long seed) {
        return batches(count, size, size, seed);
    }

    /** {@code count} minibatches, the even ones of {@code evenSize} samples and the odd ones of {@code oddSize}. */
    private static List<DataSet> batches(int count, int evenSize, int oddSize, long seed) {
        Nd4j.getRandom().setSeed(seed);
        List<DataSet> list = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            int size = b % 2 == 0 ? evenSize : oddSize;
            INDArray y = Nd4j.zeros(DataType.DOUBLE, size, CLASSES);
            for (int i = 0; i < size; i++) {
                y.putScalar(i, (i + b) % CLASSES, 1.0);
            }
            list.add(new DataSet(Nd4j.randn(DataType.DOUBLE, size, 2, 4, 4), y));
        }
        return list;
    }

    private static SparkDistillation spark(String method, List<Participant> nets, int workers, int every) {
        EngineBlueprint b = EngineBlueprint.of(method, Map.of(), nets, INPUT, new long[]{CLASSES}, false)
                .withRandomSeed(5);
        return SparkDistillation.builder(sc, b).workers(workers).averagingFrequency(every).shuffle(false).build();
    }

    private static void assertSameParams(DistillationEngine expected, DistillationEngine actual, double tolerance) {
        for (Participant p : expected.participants()) {
            INDArray e = p.graph().params();
            INDArray a = actual.graph(p.name()).params();
            double diff = e.sub(a).amaxNumber().doubleValue();
            assertTrue(diff <= tolerance, p.name() + " differs by " + diff);
        }
    }

    /**
     * One worker averaging after every step is the local engine, for an online method (both networks and their
     * Adam state travel) and an offline one (the frozen teacher stays where the blueprint put it), over two
     * epochs so that the epoch count travels too.
     */
    @Test
    void oneWorkerAveragingEveryStepIsTheLocalEngine() {
        for (String method : List.of("dml", "adm", "kd")) {
            boolean online = !method.equals("kd");
            DistillationEngine local = new DistillationEngine(dev.adm.core.methods.MethodRegistry.create(method,
                    Map.of()), adamPair(online), INPUT, new long[]{CLASSES}, false, Map.of());
            local.setRandomSeed(5);
            SparkDistillation spark = spark(method, adamPair(online), 1, 1);
            List<DataSet> data = batches(3, 6, 11);
            for (int epoch = 0; epoch < 2; epoch++) {
                local.startEpoch(epoch);
                data.forEach(d -> local.step(d.getFeatures(), d.getLabels()));
                local.endEpoch();
                spark.fitEpoch(sc.parallelize(data, 2), epoch);
            }
            assertSameParams(local, spark.engine(), 1e-12);
            for (Participant p : local.participants()) {
                ComputationGraph g = spark.engine().graph(p.name());
                assertEquals(p.graph().getConfiguration().getIterationCount(),
                        g.getConfiguration().getIterationCount(), method + " " + p.name() + " iterations");
                assertEquals(2, g.getConfiguration().getEpochCount(), method + " " + p.name() + " epochs");
                if (p.trainable()) {
                    assertEquals(0.0, p.graph().getUpdater().getStateViewArray()
                            .sub(g.getUpdater().getStateViewArray()).amaxNumber().doubleValue(), 1e-12);
                }
            }
        }
    }

    /**
     * Without batch norm and with plain SGD, two workers of one step each, averaged, are one step on their two
     * minibatches concatenated: the mean of two gradient steps from one point is the step of the mean gradient,
     * when the mean is weighted by the workers' examples (5 and 3 here).
     */
    @Test
    void twoWorkersAveragingEveryStepAreOneStepOnTheConcatenatedBatch() {
        DistillationEngine local = new DistillationEngine(dev.adm.core.methods.MethodRegistry.create("dml", Map.of()),
                sgdPair(), INPUT, new long[]{CLASSES}, false, Map.of());
        SparkDistillation spark = spark("dml", sgdPair(), 2, 1);
        List<DataSet> data = batches(4, 5, 3, 13);
        local.startEpoch(0);
        for (int i = 0; i < data.size(); i += 2) {
            DataSet both = DataSet.merge(List.of(data.get(i), data.get(i + 1)));
            local.step(both.getFeatures(), both.getLabels());
        }
        local.endEpoch();
        spark.fitEpoch(sc.parallelize(data, 2), 0);
        assertSameParams(local, spark.engine(), 1e-10);
        assertEquals(2, spark.engine().graph("student").getConfiguration().getIterationCount(),
                "two rounds of one step: two global steps");
    }

    /** Averaging every few steps is not the same computation, but it starts from the same point and learns. */
    @Test
    void averagingEveryFewStepsMovesAwayFromTheStartAndReportsLosses() {
        SparkDistillation spark = spark("dml", sgdPair(), 2, 3);
        INDArray before = spark.engine().graph("student").params().dup();
        Map<String, Double> losses = spark.fitEpoch(sc.parallelize(batches(7, 4, 17), 3), 0);
        assertTrue(spark.engine().graph("student").params().sub(before).amaxNumber().doubleValue() > 1e-6);
        assertTrue(losses.containsKey("total/student") && losses.get("total/student") > 0, losses.toString());
        assertEquals(4, spark.engine().graph("student").getConfiguration().getIterationCount(),
                "7 minibatches in rounds of 2 x 3: a full round (3 steps), then one worker's 1 step");
    }
}
