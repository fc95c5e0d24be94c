package dev.adm.core.backend;

import dev.adm.core.testing.AdmTestBase;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SeedsTest extends AdmTestBase {
    /** Two draws after a restart from {@code seed}, with different draws before each restart. */
    private static INDArray[] drawsAfterRestart(long seed) {
        INDArray[] out = new INDArray[2];
        for (int run = 0; run < 2; run++) {
            Nd4j.rand(DataType.FLOAT, 10 + run, 3); // whatever was drawn before
            Seeds.restart(seed);
            out[run] = Nd4j.rand(DataType.FLOAT, 4, 5);
        }
        return out;
    }

    @Test
    void everySeedRestartsTheGeneratorZeroIncluded() {
        for (long seed : new long[]{0, 1, 42}) {
            INDArray[] d = drawsAfterRestart(seed);
            assertEquals(d[0], d[1], "seed " + seed);
        }
        assertEquals(42, Seeds.usable(42));
        assertEquals(-7, Seeds.usable(-7));
    }
}
