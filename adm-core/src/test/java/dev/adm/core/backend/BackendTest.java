package dev.adm.core.backend;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.TinyGraphs;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fails if DL4J's conv, batch-norm or pooling layers end up without their oneDNN helper. */
class BackendTest extends AdmTestBase {

    @Test
    void initializeTurnsOneDnnOnAndIsIdempotent() {
        BackendInfo info = Backend.initialize();
        assertTrue(info.isCpu(), "tests run on the CPU backend");
        assertTrue(info.helpersAllowed(), "Nd4j.getEnvironment().allowHelpers must be on");
        assertTrue(info.oneDnnActive(), "DL4J's oneDNN check must pass (the Nd4jCpu$Environment bridge)");
        assertEquals("false", System.getProperty(Backend.HELPERS_DISABLE_PROPERTY));
        assertSame(info, Backend.initialize());
    }

    @Test
    void convBatchNormAndPoolingLayersRunOnOneDnnThroughTraining() throws Exception {
        ComputationGraph g = TinyGraphs.withHelperLayers(7);
        Map<String, Class<?>> expected = Map.of("conv", MKLDNNConvHelper.class, "bn", MKLDNNBatchNormHelper.class,
                "maxpool", MKLDNNSubsamplingHelper.class);
        expected.forEach((name, type) -> assertInstanceOf(type, g.getLayer(name).getHelper(),
                name + " has no oneDNN helper: " + g.getLayer(name).getHelper()));

        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 4, 1, 8, 8), Nd4j.eye(3).getRows(0, 1, 2, 0)
                .castTo(DataType.FLOAT));
        for (int i = 0; i < 3; i++) {
            g.fit(batch);
        }
        // A helper that throws is silently bypassed afterwards (helperCountFail > 0): assert it never did.
        for (String name : new String[]{"conv", "maxpool"}) {
            assertEquals(0, helperFailures(g.getLayer(name)), name + " fell back from oneDNN during training");
        }
    }

    private static int helperFailures(Layer layer) throws Exception {
        for (Class<?> c = layer.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField("helperCountFail");
                f.setAccessible(true);
                return f.getInt(layer);
            } catch (NoSuchFieldException ignored) {
                // keep looking in the superclass
            }
        }
        throw new AssertionError("no helperCountFail field on " + layer.getClass());
    }

    @Test
    void fastBatchNormHelperTrainsLikeDl4jsOneDnnHelper() {
        ComputationGraph reference = TinyGraphs.withHelperLayers(11);
        ComputationGraph fast = TinyGraphs.withHelperLayers(11);
        assertEquals(1, FastBatchNormHelper.install(fast), "the vector API is on the test JVM's module path");
        assertInstanceOf(FastBatchNormHelper.class, fast.getLayer("bn").getHelper());
        Nd4j.getRandom().setSeed(3);
        for (int step = 0; step < 3; step++) {
            var x = Nd4j.rand(DataType.FLOAT, 6, 1, 8, 8).muli(3).addi(1);
            var y = Nd4j.eye(3).getRows(0, 1, 2, 2, 1, 0)
                    .castTo(DataType.FLOAT);
            reference.fit(new DataSet(x, y));
            fast.fit(new DataSet(x, y));
            assertEquals(reference.score(), fast.score(), 1e-5);
            // parameters include the running mean and variance, updated from the batch statistics
            assertTrue(reference.params().equalsWithEps(fast.params(), 1e-5), "step " + step);
        }
        assertEquals(0, helperFailuresUnchecked(fast.getLayer("bn")));
    }

    @Test
    void channelStatisticsMatchNd4j() {
        var x = Nd4j.randn(DataType.FLOAT, 5, 7, 9, 11).addi(2);
        var mean = Nd4j.create(DataType.FLOAT, 7);
        var variance = Nd4j.create(DataType.FLOAT, 7);
        ChannelStatistics.meanVariance(x, mean, variance);
        assertTrue(x.mean(0, 2, 3).equalsWithEps(mean, 1e-5));
        assertTrue(x.var(false, 0, 2, 3).equalsWithEps(variance, 1e-4));
    }

    private static int helperFailuresUnchecked(Layer layer) {
        try {
            return helperFailures(layer);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
