package dev.adm.diffusion;

import dev.adm.core.testing.AdmTestBase;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FrechetDistanceTest extends AdmTestBase {
    @Test
    void matchesTheClosedFormsOfGaussians() {
        Nd4j.getRandom().setSeed(4);
        INDArray r = Nd4j.randn(DataType.DOUBLE, 5, 5);
        INDArray cov = FrechetDistance.covarianceFrom(r);
        INDArray root = FrechetDistance.sqrtPsd(cov);
        assertEquals(0, root.mmul(root).sub(cov).amaxNumber().doubleValue(), 1e-9, "sqrtPsd squares back");

        INDArray mu = Nd4j.randn(DataType.DOUBLE, 5);
        var a = new FrechetDistance.Moments(mu, cov);
        assertEquals(0, FrechetDistance.between(a, a), 1e-9, "a Gaussian is at distance 0 from itself");
        INDArray shift = Nd4j.createFromArray(1.0, -2.0, 0.5, 0.0, 3.0);
        assertEquals(14.25, FrechetDistance.between(a, new FrechetDistance.Moments(mu.add(shift), cov)), 1e-9,
                "same covariance: the squared mean difference");
        // diagonal (commuting) covariances: sum of (sqrt a_i - sqrt b_i)^2
        INDArray da = Nd4j.diag(Nd4j.createFromArray(1.0, 4.0, 9.0));
        INDArray db = Nd4j.diag(Nd4j.createFromArray(4.0, 1.0, 9.0));
        INDArray zero = Nd4j.zeros(DataType.DOUBLE, 3);
        assertEquals(2.0, FrechetDistance.between(new FrechetDistance.Moments(zero, da),
                new FrechetDistance.Moments(zero, db)), 1e-9);
    }

    @Test
    void momentsAreTheSampleMeanAndUnbiasedCovariance() {
        INDArray f = Nd4j.createFromArray(new double[][]{{1, 2}, {3, 6}, {5, 4}});
        var m = FrechetDistance.Moments.of(f);
        assertEquals(3, m.mean().getDouble(0), 1e-12);
        assertEquals(4, m.mean().getDouble(1), 1e-12);
        assertEquals(4, m.covariance().getDouble(0, 0), 1e-12); // ((-2)^2 + 0 + 2^2) / 2
        assertEquals(2, m.covariance().getDouble(0, 1), 1e-12); // ((-2)(-2) + 0*2 + 2*0) / 2
        assertEquals(4, m.covariance().getDouble(1, 1), 1e-12);
    }
}
