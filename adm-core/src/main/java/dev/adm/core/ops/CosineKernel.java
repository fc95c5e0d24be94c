package dev.adm.core.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * Channel cosine similarity of two contiguous float {@code [B,C,H,W]} maps in one pass over both inputs, with
 * the JDK's vector API: for a block of locations the dot product and both squared norms stay in SIMD
 * registers while the channels stream by, so each input element is read exactly once, in memory order (ND4J's
 * reduce3 walks the strided channel vectors one location at a time). Samples are split across cores.
 * Only loaded when the {@code jdk.incubator.vector} module is present (see {@link SpatialOps#similarity}).
 */
final class CosineKernel {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    private CosineKernel() {
    }

    /** {@code S[b,h,w] = <fs, ft> / max(|fs| |ft|, 1e-8)} over channels; inputs float, 'c' order, equal shapes. */
    static INDArray similarity(INDArray fs, INDArray ft) {
        int b = (int) fs.size(0);
        int c = (int) fs.size(1);
        int hw = (int) (fs.size(2) * fs.size(3));
        ByteBuffer x = buffer(fs);
        ByteBuffer y = buffer(ft);
        float[] out = new float[b * hw];
        int pairEnd = hw - hw % (2 * LANES);
        int vectorEnd = hw - hw % LANES;
        float eps = (float) SpatialOps.EPS;
        IntStream.range(0, b).parallel().forEach(s -> {
            int sample = s * c * hw;
            // two vectors of locations per pass: each channel then contributes two adjacent cache lines
            for (int i = 0; i < pairEnd; i += 2 * LANES) {
                FloatVector dot0 = FloatVector.zero(SPECIES);
                FloatVector nx0 = dot0;
                FloatVector ny0 = dot0;
                FloatVector dot1 = dot0;
                FloatVector nx1 = dot0;
                FloatVector ny1 = dot0;
                for (int ch = 0; ch < c; ch++) {
                    int at = 4 * (sample + ch * hw + i);
                    FloatVector u0 = FloatVector.fromByteBuffer(SPECIES, x, at, ByteOrder.nativeOrder());
                    FloatVector v0 = FloatVector.fromByteBuffer(SPECIES, y, at, ByteOrder.nativeOrder());
                    FloatVector u1 = FloatVector.fromByteBuffer(SPECIES, x, at + 4 * LANES, ByteOrder.nativeOrder());
                    FloatVector v1 = FloatVector.fromByteBuffer(SPECIES, y, at + 4 * LANES, ByteOrder.nativeOrder());
                    dot0 = u0.fma(v0, dot0);
                    nx0 = u0.fma(u0, nx0);
                    ny0 = v0.fma(v0, ny0);
                    dot1 = u1.fma(v1, dot1);
                    nx1 = u1.fma(u1, nx1);
                    ny1 = v1.fma(v1, ny1);
                }
                dot0.div(nx0.mul(ny0).sqrt().max(eps)).intoArray(out, s * hw + i);
                dot1.div(nx1.mul(ny1).sqrt().max(eps)).intoArray(out, s * hw + i + LANES);
            }
            for (int i = pairEnd; i < vectorEnd; i += LANES) {
                FloatVector dot = FloatVector.zero(SPECIES);
                FloatVector nx = dot;
                FloatVector ny = dot;
                for (int ch = 0; ch < c; ch++) {
                    int at = 4 * (sample + ch * hw + i);
                    FloatVector u = FloatVector.fromByteBuffer(SPECIES, x, at, ByteOrder.nativeOrder());
                    FloatVector v = FloatVector.fromByteBuffer(SPECIES, y, at, ByteOrder.nativeOrder());
                    dot = u.fma(v, dot);
                    nx = u.fma(u, nx);
                    ny = v.fma(v, ny);
                }
                dot.div(nx.mul(ny).sqrt().max(eps)).intoArray(out, s * hw + i);
            }
            for (int i = vectorEnd; i < hw; i++) { // locations left over by the vector width
                float dot = 0;
                float nx = 0;
                float ny = 0;
                for (int ch = 0; ch < c; ch++) {
                    int at = 4 * (sample + ch * hw + i);
                    float u = x.getFloat(at);
                    float v = y.getFloat(at);
                    dot += u * v;
                    nx += u * u;
                    ny += v * v;
                }
                out[s * hw + i] = dot / Math.max((float) Math.sqrt(nx * ny), eps);
            }
        });
        INDArray result = Nd4j.createUninitialized(DataType.FLOAT, b, fs.size(2), fs.size(3));
        result.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().put(out);
        return result;
    }

    /** The array's bytes (callers pass contiguous 'c'-order arrays without offset). */
    private static ByteBuffer buffer(INDArray a) {
        return a.data().asNio().order(ByteOrder.nativeOrder());
    }
}
