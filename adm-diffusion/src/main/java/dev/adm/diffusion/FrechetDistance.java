package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The Fréchet distance between two Gaussians fitted to feature sets (the FID formula of Heusel et al., 2017):
 * {@code |mu_1 - mu_2|^2 + tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2))}, with {@code tr (S_1 S_2)^(1/2)} computed as the sum
 * of the square roots of the eigenvalues of the symmetric {@code S_1^(1/2) S_2 S_1^(1/2)}. Sample covariances
 * divide by {@code n - 1}, as pytorch-fid's {@code np.cov}. In double precision.
 */
public final class FrechetDistance {
    private FrechetDistance() {
    }

    /** Mean {@code [D]} and covariance {@code [D,D]} of features {@code [N,D]}. */
    public record Moments(INDArray mean, INDArray covariance) {
        public static Moments of(INDArray features) {
            Preconditions.checkArgument(features.rank() == 2 && features.rows() >= 2, "features must be [N,D] with "
                    + "N >= 2, got %s", java.util.Arrays.toString(features.shape()));
            INDArray f = features.castTo(DataType.DOUBLE);
            INDArray mean = f.mean(0);
            INDArray centred = f.subRowVector(mean);
            INDArray cov = centred.transpose().mmul(centred).divi(f.rows() - 1);
            return new Moments(mean, cov);
        }
    }

    public static double between(INDArray featuresA, INDArray featuresB) {
        return between(Moments.of(featuresA), Moments.of(featuresB));
    }

    public static double between(Moments a, Moments b) {
        Preconditions.checkArgument(a.mean().length() == b.mean().length(), "feature sizes differ: %s and %s",
                a.mean().length(), b.mean().length());
        INDArray d = a.mean().sub(b.mean());
        double meanTerm = d.mul(d).sumNumber().doubleValue();
        INDArray rootA = sqrtPsd(a.covariance());
        INDArray middle = rootA.mmul(b.covariance()).mmul(rootA);
        middle = middle.add(middle.transpose()).muli(0.5); // symmetric up to rounding
        INDArray eig = Eigen.symmetricGeneralizedEigenvalues(middle.dup('f'), false);
        double traceRoot = Transforms.sqrt(Transforms.max(eig, 0.0), false).sumNumber().doubleValue();
        return meanTerm + trace(a.covariance()) + trace(b.covariance()) - 2 * traceRoot;
    }

    /** The symmetric square root of a symmetric positive semi-definite matrix (negative rounding clipped to 0). */
    static INDArray sqrtPsd(INDArray s) {
        INDArray vectors = s.add(s.transpose()).muli(0.5).dup('f');
        INDArray values = Eigen.symmetricGeneralizedEigenvalues(vectors, true); // vectors: eigenvectors as columns
        INDArray root = Transforms.sqrt(Transforms.max(values, 0.0), false);
        return vectors.mulRowVector(root).mmul(vectors.transpose());
    }

    private static double trace(INDArray m) {
        double t = 0;
        for (int i = 0; i < m.rows(); i++) {
            t += m.getDouble(i, i);
        }
        return t;
    }

    /** For tests: a [D,D] covariance from its square root {@code R}: {@code R R^T}. */
    static INDArray covarianceFrom(INDArray r) {
        return r.mmul(r.transpose());
    }

    /** Identity covariance helper for tests. */
    static INDArray eye(int d) {
        return Nd4j.eye(d).castTo(DataType.DOUBLE);
    }
}
