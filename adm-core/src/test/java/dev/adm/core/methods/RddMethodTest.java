package dev.adm.core.methods;

import dev.adm.core.testing.AdmTestBase;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RddMethodTest extends AdmTestBase {
    /** Two classes, 1x5 pixels; logits (log p, log(1-p)) with label 0 give p(y) = p; pixel 4 is ignored. */
    private static INDArray[] batch(double... p) {
        INDArray logits = Nd4j.zeros(DataType.DOUBLE, 1, 2, 1, p.length);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 1, 2, 1, p.length);
        for (int i = 0; i < p.length; i++) {
            logits.putScalar(new int[]{0, 0, 0, i}, Math.log(p[i]));
            logits.putScalar(new int[]{0, 1, 0, i}, Math.log(1 - p[i]));
            if (i != 4) {
                y.putScalar(new int[]{0, 0, 0, i}, 1.0);
            }
        }
        return new INDArray[]{logits, y};
    }

    private static boolean[] hard(double threshold, double fraction, double... p) {
        INDArray[] b = batch(p);
        double[] m = RddMethod.hardMask(b[0], b[1], threshold, fraction).castTo(DataType.DOUBLE).data().asDouble();
        boolean[] out = new boolean[m.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i] != 0;
        }
        return out;
    }

    @Test
    void hardPixelsAreValidOnesAtOrBelowTheThresholdRaisedToTheKthSmallest() {
        // valid p(y): 0.9, 0.5, 0.8, 0.95; threshold 0.7 and k = ceil(0.25 * 4) = 1 (0.5): th = 0.7
        assertArrayEquals(new boolean[]{false, true, false, false, false}, hard(0.7, 0.25, 0.9, 0.5, 0.8, 0.95, 0.1));
        // k = ceil(0.5 * 4) = 2: the 2nd smallest is 0.8 > 0.7, so th = 0.8; the ignored pixel never counts
        assertArrayEquals(new boolean[]{false, true, true, false, false}, hard(0.7, 0.5, 0.9, 0.5, 0.8, 0.95, 0.1));
    }

    @Test
    void theStageSwitchesAfterTheTfeFractionOfThePlannedIterations() {
        RddMethod m = (RddMethod) MethodRegistry.create("rdd", Map.of());
        assertEquals(0.0, m.stepScalars(0, 9, 100).get("rdd_tse"));
        assertEquals(1.0, m.stepScalars(0, 10, 100).get("rdd_tse"));
        assertThrows(IllegalStateException.class, () -> m.stepScalars(0, 0, 0));
    }
}
