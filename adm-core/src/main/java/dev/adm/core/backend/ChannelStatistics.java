package dev.adm.core.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * Per-channel mean and (population) variance of a contiguous float {@code [B,C,H,W]} map in one pass: each
 * channel's B runs of H*W contiguous values are summed and squared-summed in SIMD registers (the JDK vector
 * API), the runs combined in double. Replaces the two strided ND4J reductions DL4J's oneDNN batch-norm helper
 * runs before every training forward pass. Loaded only when {@code jdk.incubator.vector} is present.
 */
final class ChannelStatistics {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    private ChannelStatistics() {
    }

    /** Writes mean and variance ({@code [C]} float, contiguous) of {@code x}. */
    static void meanVariance(INDArray x, INDArray mean, INDArray variance) {
        int b = (int) x.size(0);
        int c = (int) x.size(1);
        int hw = (int) (x.size(2) * x.size(3));
        ByteBuffer data = x.data().asNio().order(ByteOrder.nativeOrder());
        int base = (int) (4 * x.offset());
        double[] means = new double[c];
        double[] vars = new double[c];
        int vectorEnd = hw - hw % LANES;
        IntStream.range(0, c).parallel().forEach(ch -> {
            double sum = 0;
            double squares = 0;
            for (int s = 0; s < b; s++) {
                int run = base + 4 * (s * c + ch) * hw;
                FloatVector vs = FloatVector.zero(SPECIES);
                FloatVector vq = vs;
                for (int i = 0; i < vectorEnd; i += LANES) {
                    FloatVector v = FloatVector.fromByteBuffer(SPECIES, data, run + 4 * i, ByteOrder.nativeOrder());
                    vs = vs.add(v);
                    vq = v.fma(v, vq);
                }
                sum += vs.reduceLanes(VectorOperators.ADD);
                squares += vq.reduceLanes(VectorOperators.ADD);
                for (int i = vectorEnd; i < hw; i++) {
                    float v = data.getFloat(run + 4 * i);
                    sum += v;
                    squares += (double) v * v;
                }
            }
            double n = (double) b * hw;
            means[ch] = sum / n;
            vars[ch] = Math.max(squares / n - means[ch] * means[ch], 0);
        });
        for (int ch = 0; ch < c; ch++) {
            mean.putScalar(ch, means[ch]);
            variance.putScalar(ch, vars[ch]);
        }
    }
}
