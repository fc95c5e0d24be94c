package dev.adm.core.ops;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.FiniteDifferences;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static dev.adm.core.testing.FiniteDifferences.placeholder;
import static org.junit.jupiter.api.Assertions.assertEquals;

class LossesTest extends AdmTestBase {
    private static final INDArray Z = Nd4j.create(new double[][]{{1.0, 2.0, 0.5}, {-1.0, 0.0, 3.0}});
    private static final INDArray T = Nd4j.create(new double[][]{{0.2, 1.5, 1.0}, {0.5, -0.5, 2.0}});
    private static final INDArray Y = Nd4j.create(new double[][]{{0, 1, 0}, {0, 0, 1}});

    private static double[] softmax(INDArray z, int row, double temp) {
        double[] p = new double[(int) z.size(1)];
        double sum = 0;
        for (int k = 0; k < p.length; k++) {
            p[k] = Math.exp(z.getDouble(row, k) / temp);
            sum += p[k];
        }
        for (int k = 0; k < p.length; k++) {
            p[k] /= sum;
        }
        return p;
    }

    private static double eval(SameDiff sd, SDVariable v, Map<String, INDArray> in) {
        return sd.output(in, v.name()).get(v.name()).getDouble(0);
    }

    @Test
    void crossEntropyIsTheBatchMeanOfMinusLogP() {
        SameDiff sd = SameDiff.create();
        SDVariable ce = Losses.crossEntropy(sd, placeholder(sd, "z", Z), placeholder(sd, "y", Y));
        double ref = -(Math.log(softmax(Z, 0, 1)[1]) + Math.log(softmax(Z, 1, 1)[2])) / 2;
        assertEquals(ref, eval(sd, ce, Map.of("z", Z, "y", Y)), 1e-12);
    }

    @Test
    void distillationKlIsTSquaredBatchmeanKl() {
        double temp = 3;
        SameDiff sd = SameDiff.create();
        SDVariable kl = Losses.distillationKl(sd, placeholder(sd, "t", T), placeholder(sd, "z", Z), temp);
        double ref = 0;
        for (int b = 0; b < 2; b++) {
            double[] q = softmax(T, b, temp);
            double[] p = softmax(Z, b, temp);
            for (int k = 0; k < 3; k++) {
                ref += q[k] * (Math.log(q[k]) - Math.log(p[k]));
            }
        }
        assertEquals(temp * temp * ref / 2, eval(sd, kl, Map.of("t", T, "z", Z)), 1e-12);
    }

    @Test
    void logSoftmaxIsStableForLargeLogits() {
        INDArray big = Nd4j.create(new double[][]{{1000.0, 0.0, -1000.0}});
        SameDiff sd = SameDiff.create();
        SDVariable ls = Losses.logSoftmax(sd, placeholder(sd, "z", big), 1);
        INDArray out = sd.output(Map.of("z", big), ls.name()).get(ls.name());
        assertEquals(0.0, out.getDouble(0, 0), 1e-12);
        assertEquals(-1000.0, out.getDouble(0, 1), 1e-9);
    }

    @Test
    void crossEntropyGradient() {
        SameDiff sd = SameDiff.create();
        SDVariable ce = Losses.crossEntropy(sd, placeholder(sd, "z", Z), sd.constant(Y));
        FiniteDifferences.checkSameDiff(sd, ce, Map.of("z", Z.dup()));
    }

    @Test
    void distillationKlGradientForBothArguments() {
        SameDiff sd = SameDiff.create();
        SDVariable kl = Losses.distillationKl(sd, placeholder(sd, "t", T), placeholder(sd, "z", Z), 4);
        FiniteDifferences.checkSameDiff(sd, kl, Map.of("t", T.dup(), "z", Z.dup()));
    }

    @Test
    void doublePrecisionIsKept() {
        assertEquals(DataType.DOUBLE, Z.dataType());
    }
}
