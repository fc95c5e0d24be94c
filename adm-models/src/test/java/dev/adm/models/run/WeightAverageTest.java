package dev.adm.models.run;

import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.Participant;
import dev.adm.core.methods.MethodRegistry;
import dev.adm.core.testing.AdmTestBase;
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

class WeightAverageTest extends AdmTestBase {
    private static DistillationEngine engine() {
        return new DistillationEngine(MethodRegistry.create("baseline", Map.of()), List.of(Participant.builder(
                "student", TinyGraphs.twoStage(2, 4, 4, 2, 3, 3, 7, DataType.DOUBLE)).build()), new long[]{2, 4, 4}, 3);
    }

    private static INDArray labels() {
        return Nd4j.eye(3).castTo(DataType.DOUBLE).getRows(0, 1, 2, 0);
    }

    /**
     * After two steps from p0 through p1 to p2 with decays k0, k1 the average is k0 k1 p0 + (1-k0) k1 p1 + (1-k1) p2,
     * where the warm-up gives k0 = min(d, 1/10) and k1 = min(d, 2/11); two steps at once give k0 k1 p0 +
     * (1 - k0 k1) p2; after the warm-up (a run resumed at step 1000) the decay is d. Scoring with the average leaves
     * the trained parameters.
     */
    @Test
    void theAverageFollowsItsDefinitionAndScoringWithItRestoresTheTrainedWeights() {
        DistillationEngine e = engine();
        double d = 0.9;
        double k0 = 0.1;
        double k1 = 2.0 / 11;
        assertEquals(k0, WeightAverage.decayAt(d, 0), 1e-15);
        assertEquals(k1, WeightAverage.decayAt(d, 1), 1e-15);
        assertEquals(d, WeightAverage.decayAt(d, 81), 1e-15, "82/91 > 0.9: warmed up");
        INDArray p0 = e.graph("student").params().dup();
        WeightAverage avg = WeightAverage.start(d, e, Map.of(), 0);
        e.step(Nd4j.randn(DataType.DOUBLE, 4, 2, 4, 4), labels());
        INDArray p1 = e.graph("student").params().dup();
        avg.update(e, 1);
        e.step(Nd4j.randn(DataType.DOUBLE, 4, 2, 4, 4), labels());
        INDArray p2 = e.graph("student").params().dup();
        avg.update(e, 1);
        INDArray expected = p0.mul(k0 * k1).add(p1.mul((1 - k0) * k1)).add(p2.mul(1 - k1)).reshape(p0.length());
        assertTrue(expected.equalsWithEps(avg.averages().get("student"), 1e-12));
        assertTrue(p2.sub(p1).amaxNumber().doubleValue() > 1e-6, "the steps moved the weights");

        INDArray seen = avg.applied(e, () -> e.graph("student").params().dup());
        assertTrue(seen.reshape(p0.length()).equalsWithEps(expected, 1e-12), "scored with the average");
        assertEquals(p2, e.graph("student").params(), "the trained weights are back");

        WeightAverage atOnce = WeightAverage.start(d, e, Map.of("student", p0), 0);
        atOnce.update(e, 2);
        assertTrue(p0.mul(k0 * k1).add(p2.mul(1 - k0 * k1)).reshape(p0.length()).equalsWithEps(
                atOnce.averages().get("student"), 1e-12));
        WeightAverage resumed = WeightAverage.start(d, e, Map.of("student", p0), 1000);
        resumed.update(e, 1);
        assertTrue(p0.mul(d).add(p2.mul(1 - d)).reshape(p0.length()).equalsWithEps(
                resumed.averages().get("student"), 1e-12));
        atOnce.install(e);
        assertTrue(e.graph("student").params().reshape(p0.length()).equalsWithEps(atOnce.averages().get("student"),
                1e-12));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> WeightAverage.start(1.0, e, Map.of(), 0));
        assertEquals("the EMA decay must be in (0, 1), got 1.0", bad.getMessage());
    }
}
