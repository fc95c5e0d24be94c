package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DDPM's sinusoidal timestep embedding (Ho et al., after the Transformer's positions): for {@code k < dim/2},
 * {@code e[k] = sin(t w_k)}, {@code e[dim/2 + k] = cos(t w_k)}, {@code w_k = exp(-ln(10000) k / (dim/2 - 1))}.
 * Computed outside the network, which takes it as its second input and passes it through an MLP.
 */
public final class TimestepEmbedding {
    private TimestepEmbedding() {
    }

    /** {@code [t.length, dim]} embeddings. */
    public static INDArray of(int[] t, int dim, DataType type) {
        Preconditions.checkArgument(dim >= 4 && dim % 2 == 0, "embedding size must be even and >= 4, got %s", dim);
        int half = dim / 2;
        double[] out = new double[t.length * dim];
        for (int i = 0; i < t.length; i++) {
            for (int k = 0; k < half; k++) {
                double angle = t[i] * Math.exp(-Math.log(10000) * k / (half - 1));
                out[i * dim + k] = Math.sin(angle);
                out[i * dim + half + k] = Math.cos(angle);
            }
        }
        return Nd4j.create(out, new long[]{t.length, dim}, DataType.DOUBLE).castTo(type);
    }
}
