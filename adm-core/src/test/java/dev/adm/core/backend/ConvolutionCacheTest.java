package dev.adm.core.backend;

import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.EngineFixture;
import dev.adm.core.engine.Participant;
import dev.adm.core.methods.MethodRegistry;
import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.TinyGraphs;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConvolutionCacheTest extends AdmTestBase {
    private static INDArray labels(int n) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 3);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        return y;
    }

    /** With the cache, DL4J's own fit trains bit for bit as without it (conv, batch norm, pooling layers). */
    @Test
    void trainingWithTheCacheIsTheSameBitForBit() {
        ComputationGraph plain = TinyGraphs.withHelperLayers(7);
        ComputationGraph cached = TinyGraphs.withHelperLayers(7);
        ConvolutionCache.enable(cached);
        for (int i = 0; i < 4; i++) {
            DataSet d = new DataSet(Nd4j.randn(DataType.FLOAT, 6, 1, 8, 8), labels(6));
            plain.fit(d);
            cached.fit(d);
        }
        assertEquals(plain.params(), cached.params());
        assertEquals(plain.score(), cached.score(), 0.0);
    }

    /**
     * The engine empties the cache after every step: a backward pass on fresh arrays (a gradient check's trace,
     * which fills no cache) after a step, with another batch, must not read the step's cached outputs. The
     * convolution here has a tanh activation, whose derivative reads the cached output.
     */
    @Test
    void aStepLeavesNoCachedOutputBehind() {
        DistillationEngine stepped = smoothEngine();
        stepped.step(Nd4j.randn(DataType.FLOAT, 8, 2, 4, 4), labels(8));
        DistillationEngine fresh = smoothEngine();
        fresh.graph("student").setParams(stepped.graph("student").params());
        INDArray x = Nd4j.randn(DataType.FLOAT, 5, 2, 4, 4);
        INDArray expected = EngineFixture.trace(fresh, x, labels(5)).gradients().get("student").gradient().dup();
        INDArray actual = EngineFixture.trace(stepped, x, labels(5)).gradients().get("student").gradient();
        assertEquals(expected, actual);
    }

    private static DistillationEngine smoothEngine() {
        return new DistillationEngine(MethodRegistry.create("baseline", Map.of()), List.of(Participant.builder(
                "student", TinyGraphs.smooth(2, 4, 4, 3, 3, 5, DataType.FLOAT)).build()), new long[]{2, 4, 4}, 3);
    }
}
