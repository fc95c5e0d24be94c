package dev.adm.core.engine;

import dev.adm.core.methods.MethodRegistry;
import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.TinyGraphs;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataParallelTest extends AdmTestBase {
    private static final long[] INPUT = {2, 4, 4};
    private static final int CLASSES = 3;

    private static List<Participant> pair(boolean teacherTrains) {
        ComputationGraph t = TinyGraphs.twoStage(2, 4, 4, 3, 4, CLASSES, 1, DataType.DOUBLE);
        ComputationGraph s = TinyGraphs.twoStage(2, 4, 4, 2, 4, CLASSES, 2, DataType.DOUBLE);
        return List.of(Participant.builder("teacher", t).role(Role.TEACHER).trainable(teacherTrains)
                        .tap("feat", "stage2").build(),
                Participant.builder("student", s).role(Role.STUDENT).tap("feat", "stage2").build());
    }

    private static DistillationEngine engine(String method, String options, boolean teacherTrains, int workers) {
        Map<String, String> params = options.isEmpty() ? Map.of() : Map.of(options.split("=")[0],
                options.split("=")[1]);
        DistillationEngine e = new DistillationEngine(MethodRegistry.create(method, params), pair(teacherTrains),
                INPUT, CLASSES);
        e.setWorkers(workers);
        return e;
    }

    private static INDArray labels(int n) {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, CLASSES);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % CLASSES, 1.0);
        }
        return y;
    }

    /**
     * Without batch norm every loss here is a mean over samples, so splitting the batch (7 = 4 + 3, unequal
     * shares) and averaging the shares' gradients by size is one step on the whole batch: online and offline
     * methods, a method's own network (FitNet's regressor) and a network fed by another's tap (SOKD's peer).
     */
    @ParameterizedTest
    @CsvSource({"dml,,true", "adm,,true", "kdcl,,true", "kd,,false", "dkd,,false", "fitnet,hint=stage1,false",
            "sokd,split=stage1,false"})
    void twoWorkersStepAsOneOnTheWholeBatch(String method, String options, boolean teacherTrains) {
        String opts = options == null ? "" : options;
        DistillationEngine one = engine(method, opts, teacherTrains, 1);
        DistillationEngine two = engine(method, opts, teacherTrains, 2);
        assertEquals(2, two.workers());
        for (int step = 0; step < 3; step++) {
            INDArray x = Nd4j.randn(DataType.DOUBLE, 7, 2, 4, 4);
            StepResult a = one.step(x, labels(7));
            StepResult b = two.step(x, labels(7));
            assertEquals(a.terms().keySet(), b.terms().keySet());
            a.terms().forEach((k, v) -> assertEquals(v, b.terms().get(k), 1e-9, k));
            a.totals().forEach((k, v) -> assertEquals(v, b.totals().get(k), 1e-9, k));
        }
        for (NetworkRef n : one.networks()) {
            INDArray p1 = one.graph(n.name()).params();
            INDArray p2 = two.graph(n.name()).params();
            assertTrue(p1.equalsWithEps(p2, 1e-9), () -> method + ": " + n.name() + " differs by "
                    + p1.sub(p2).amaxNumber());
            assertEquals(one.graph(n.name()).getConfiguration().getIterationCount(),
                    two.graph(n.name()).getConfiguration().getIterationCount());
        }
    }

    /**
     * With batch norm each share is normalised with its own statistics, and the running statistics move towards
     * the shares' mean: with plain SGD (updates linear in the gradient), two workers on {@code [A; B]} end exactly
     * where the mean of one step on A and one step on B ends, running mean and variance included.
     */
    @Test
    void batchNormSharesAreAveragedAsSeparateSteps() {
        INDArray x = Nd4j.randn(DataType.FLOAT, 8, 1, 8, 8);
        INDArray y = Nd4j.eye(3).castTo(DataType.FLOAT).getRows(0, 1, 2, 0, 1, 2, 0, 1);
        DistillationEngine two = single(2);
        DistillationEngine onA = single(1);
        DistillationEngine onB = single(1);
        StepResult both = two.step(x, y);
        StepResult a = onA.step(rows(x, 0, 4), rows(y, 0, 4));
        StepResult b = onB.step(rows(x, 4, 8), rows(y, 4, 8));
        assertEquals((a.totals().get("student") + b.totals().get("student")) / 2, both.totals().get("student"), 1e-5);
        INDArray expected = onA.graph("student").params().add(onB.graph("student").params()).divi(2);
        INDArray actual = two.graph("student").params();
        assertTrue(expected.equalsWithEps(actual, 1e-5), () -> "differs by " + expected.sub(actual).amaxNumber());
        INDArray runningMean = two.graph("student").getLayer("bn").getParam("mean");
        assertTrue(runningMean.amaxNumber().doubleValue() > 0, "the running mean moved");
    }

    private static DistillationEngine single(int workers) {
        DistillationEngine e = new DistillationEngine(MethodRegistry.create("baseline", Map.of()),
                List.of(Participant.builder("student", TinyGraphs.withHelperLayers(3)).build()), new long[]{1, 8, 8},
                3);
        e.setWorkers(workers);
        return e;
    }

    private static INDArray rows(INDArray a, long from, long to) {
        INDArrayIndex[] index = new INDArrayIndex[a.rank()];
        Arrays.fill(index, NDArrayIndex.all());
        index[0] = NDArrayIndex.interval(from, to);
        return a.get(index).dup();
    }

    /**
     * Prediction split between three workers (7 = 3 + 2 + 2) is the whole batch's, in order: for a network fed by
     * another's tap (SOKD's peer), and for batch norm in inference mode (running statistics, shared).
     */
    @Test
    void workersPredictAsOneInBatchOrder() {
        INDArray x = Nd4j.randn(DataType.DOUBLE, 7, 2, 4, 4);
        DistillationEngine sokd = engine("sokd", "split=stage1", false, 3);
        sokd.step(x, labels(7));
        assertPredictionsUnsplit(sokd, x);
        DistillationEngine batchNorm = single(3);
        INDArray images = Nd4j.randn(DataType.FLOAT, 7, 1, 8, 8);
        batchNorm.step(images, Nd4j.eye(3).castTo(DataType.FLOAT).getRows(0, 1, 2, 0, 1, 2, 0));
        assertPredictionsUnsplit(batchNorm, images);
    }

    private static void assertPredictionsUnsplit(DistillationEngine e, INDArray x) {
        Map<String, INDArray> split = new java.util.HashMap<>();
        e.networks().forEach(n -> split.put(n.name(), e.predict(n.name(), x)));
        e.setWorkers(1);
        for (NetworkRef n : e.networks()) {
            INDArray whole = e.predict(n.name(), x);
            assertArrayEquals(new long[]{7, 3}, split.get(n.name()).shape(), n.name());
            assertTrue(whole.equalsWithEps(split.get(n.name()), 1e-5), () -> n.name() + " differs by "
                    + whole.sub(split.get(n.name())).amaxNumber());
        }
    }

    @Test
    void aFailingShareStopsTheStepWithoutUpdatingAndTheWorkersGoOn() {
        DistillationEngine e = engine("dml", "", true, 2);
        INDArray before = e.graph("student").params().dup();
        INDArray x = Nd4j.randn(DataType.DOUBLE, 6, 2, 4, 4);
        x.putScalar(new long[]{5, 0, 0, 0}, Double.NaN); // in the second worker's share only
        TrainingStoppedException stopped = assertThrows(TrainingStoppedException.class, () -> e.step(x, labels(6)));
        assertTrue(stopped.getMessage().contains("step 1"), stopped.getMessage());
        assertEquals(before, e.graph("student").params());
        e.step(Nd4j.randn(DataType.DOUBLE, 6, 2, 4, 4), labels(6));
        assertTrue(before.sub(e.graph("student").params()).amaxNumber().doubleValue() > 0, "trains after the failure");
    }

    @Test
    void fewerWorkersAgainAndBatchesSmallerThanTheWorkers() {
        DistillationEngine one = engine("dml", "", true, 1);
        DistillationEngine e = engine("dml", "", true, 3);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 2, 4, 4); // 2 samples, 3 workers: 2 shares
        one.step(x, labels(2));
        e.step(x, labels(2));
        e.setWorkers(1);
        INDArray x2 = Nd4j.randn(DataType.DOUBLE, 1, 2, 4, 4);
        one.step(x2, labels(1));
        e.step(x2, labels(1));
        assertEquals(1, e.workers());
        assertTrue(one.graph("student").params().equalsWithEps(e.graph("student").params(), 1e-9));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> e.setWorkers(0));
        assertEquals("workers must be >= 1, got 0", none.getMessage());
    }

    /**
     * A network gated per share (SwitOKD's teacher) takes the size-weighted mean of the shares whose gate opened;
     * losses are the size-weighted means of all shares; a network counts as updated when any share updated it.
     */
    @Test
    void gatedSharesAverageOnlyWhereTheGateOpened() {
        Replica.Share first = share(3, 1.0, false, null);
        Replica.Share second = share(1, 5.0, true, new double[]{4, 8});
        Replica.Share third = share(1, 9.0, true, new double[]{0, 4});
        StepResult r = DataParallel.combine(List.of(first, second, third));
        assertEquals((3 * 1.0 + 5.0 + 9.0) / 5, r.totals().get("teacher"), 1e-12);
        assertEquals(true, r.updated().get("teacher"));
        Gradient g = DataParallel.average(List.of(first, second, third), "teacher");
        assertArrayEquals(new double[]{2, 6}, g.gradient().toDoubleVector(), 1e-12);
        assertEquals(null, DataParallel.average(List.of(first), "teacher"));
        assertEquals(List.of(3L, 2L, 2L), Arrays.stream(new int[]{0, 1, 2})
                .mapToObj(k -> DataParallel.shareSize(7, 3, k)).toList());
    }

    private static Replica.Share share(long size, double loss, boolean updated, double[] gradient) {
        StepResult r = new StepResult(Map.of("ce/teacher", loss), Map.of("teacher", loss), Map.of("teacher", updated));
        return new Replica.Share(r, gradient == null ? Map.of()
                : Map.of("teacher", new DefaultGradient(Nd4j.createFromArray(gradient))), size);
    }
}
