package dev.adm.core.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * Channel cosine similarity of two contiguous float {@code [B,C,H,W]} maps in one pass over both inputs, with
 * the JDK's vector API: for a block of locations the dot product and both squared norms stay in SIMD
 * registers while the channels stream by, so each input element is read exactly once (ND4J's reduce3 walks the
 * strided channel vectors one location at a time). Memory is read in order only when a block spans a whole
 * channel row (8x8 maps with AVX-512); wider rows are walked in row-sized strides, which defeats the hardware
 * prefetcher (one block is two inputs times C short streams), so such a sample is first touched once in memory
 * order ({@link #warm}) and the blocks then read it from the core's cache. Samples are split across cores.
 * Only loaded when the {@code jdk.incubator.vector} module is present (see {@link SpatialOps#similarity}).
 */
final class CosineKernel {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    /**
     * Four vectors of locations per pass with 512-bit vectors: 12 accumulators and 8 loads fit AVX-512's 32
     * registers, and the wider block cut the time on [128,64,16,16] by about a fifth on the build machine. With
     * 256-bit AVX2 (16 registers) four vectors spill and were slower than two, so there the block stays at two.
     */
    private static final boolean QUAD = SPECIES.vectorBitSize() >= 512;
    /**
     * Largest sample (both inputs) that {@link #warm} pulls into a core's cache ahead of the blocks: half of the
     * 1 MB L2 of current server cores, so the sample is still there when its last block runs. Larger samples
     * (C=256 at 32x32) are read by the blocks directly.
     */
    private static final int WARM_BYTES = 512 * 1024;
    private static final int LINE = 64;
    /** Written once per warmed sample so the JIT cannot drop the touching loads as dead code. */
    @SuppressWarnings("unused")
    private static volatile int warmSink;

    private CosineKernel() {
    }

    /**
     * {@code S[b,h,w] = <fs, ft> / max(|fs| |ft|, 1e-8)} over channels, written into {@code result} and returned;
     * all three float, 'c' order without offset, inputs of equal shapes, {@code result} {@code [B,H,W]}.
     */
    static INDArray similarity(INDArray fs, INDArray ft, INDArray result) {
        int b = (int) fs.size(0);
        int c = (int) fs.size(1);
        int hw = (int) (fs.size(2) * fs.size(3));
        ByteBuffer x = buffer(fs);
        ByteBuffer y = buffer(ft);
        ByteBuffer out = buffer(result); // written in place: no heap array and no copy
        int block = (QUAD ? 4 : 2) * LANES; // locations per register block
        int blockEnd = hw - hw % block;
        int vectorEnd = hw - hw % LANES;
        float eps = (float) SpatialOps.EPS;
        int sampleBytes = 4 * c * hw;
        boolean warm = hw > block && 2L * sampleBytes <= WARM_BYTES;
        IntStream.range(0, b).parallel().forEach(s -> {
            int sample = s * c * hw;
            int first = s * hw;
            if (warm) {
                warmSink = warm(x, y, 4 * sample, 4 * sample + sampleBytes);
            }
            if (QUAD) {
                for (int i = 0; i < blockEnd; i += block) {
                    quadBlock(x, y, sample + i, c, hw, eps, out, first + i);
                }
            } else {
                for (int i = 0; i < blockEnd; i += block) {
                    pairBlock(x, y, sample + i, c, hw, eps, out, first + i);
                }
            }
            for (int i = blockEnd; i < vectorEnd; i += LANES) {
                FloatVector dot = FloatVector.zero(SPECIES);
                FloatVector nx = dot;
                FloatVector ny = dot;
                for (int ch = 0; ch < c; ch++) {
                    int at = 4 * (sample + ch * hw + i);
                    FloatVector u = load(x, at);
                    FloatVector v = load(y, at);
                    dot = u.fma(v, dot);
                    nx = u.fma(u, nx);
                    ny = v.fma(v, ny);
                }
                cosine(dot, nx, ny, eps, out, first + i);
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
                out.putFloat(4 * (first + i), dot / Math.max((float) Math.sqrt(nx * ny), eps));
            }
        });
        return result;
    }

    /** Locations {@code [at, at + 2 LANES)} of one sample (element offset {@code at}): each channel adds two cache lines. */
    private static void pairBlock(ByteBuffer x, ByteBuffer y, int at, int c, int hw, float eps, ByteBuffer out, int to) {
        FloatVector dot0 = FloatVector.zero(SPECIES);
        FloatVector nx0 = dot0;
        FloatVector ny0 = dot0;
        FloatVector dot1 = dot0;
        FloatVector nx1 = dot0;
        FloatVector ny1 = dot0;
        for (int ch = 0; ch < c; ch++) {
            int p = 4 * (at + ch * hw);
            FloatVector u0 = load(x, p);
            FloatVector v0 = load(y, p);
            FloatVector u1 = load(x, p + 4 * LANES);
            FloatVector v1 = load(y, p + 4 * LANES);
            dot0 = u0.fma(v0, dot0);
            nx0 = u0.fma(u0, nx0);
            ny0 = v0.fma(v0, ny0);
            dot1 = u1.fma(v1, dot1);
            nx1 = u1.fma(u1, nx1);
            ny1 = v1.fma(v1, ny1);
        }
        cosine(dot0, nx0, ny0, eps, out, to);
        cosine(dot1, nx1, ny1, eps, out, to + LANES);
    }

    /** Locations {@code [at, at + 4 LANES)}: as {@link #pairBlock} with four vectors. */
    private static void quadBlock(ByteBuffer x, ByteBuffer y, int at, int c, int hw, float eps, ByteBuffer out, int to) {
        FloatVector dot0 = FloatVector.zero(SPECIES);
        FloatVector nx0 = dot0;
        FloatVector ny0 = dot0;
        FloatVector dot1 = dot0;
        FloatVector nx1 = dot0;
        FloatVector ny1 = dot0;
        FloatVector dot2 = dot0;
        FloatVector nx2 = dot0;
        FloatVector ny2 = dot0;
        FloatVector dot3 = dot0;
        FloatVector nx3 = dot0;
        FloatVector ny3 = dot0;
        for (int ch = 0; ch < c; ch++) {
            int p = 4 * (at + ch * hw);
            FloatVector u0 = load(x, p);
            FloatVector v0 = load(y, p);
            FloatVector u1 = load(x, p + 4 * LANES);
            FloatVector v1 = load(y, p + 4 * LANES);
            FloatVector u2 = load(x, p + 8 * LANES);
            FloatVector v2 = load(y, p + 8 * LANES);
            FloatVector u3 = load(x, p + 12 * LANES);
            FloatVector v3 = load(y, p + 12 * LANES);
            dot0 = u0.fma(v0, dot0);
            nx0 = u0.fma(u0, nx0);
            ny0 = v0.fma(v0, ny0);
            dot1 = u1.fma(v1, dot1);
            nx1 = u1.fma(u1, nx1);
            ny1 = v1.fma(v1, ny1);
            dot2 = u2.fma(v2, dot2);
            nx2 = u2.fma(u2, nx2);
            ny2 = v2.fma(v2, ny2);
            dot3 = u3.fma(v3, dot3);
            nx3 = u3.fma(u3, nx3);
            ny3 = v3.fma(v3, ny3);
        }
        cosine(dot0, nx0, ny0, eps, out, to);
        cosine(dot1, nx1, ny1, eps, out, to + LANES);
        cosine(dot2, nx2, ny2, eps, out, to + 2 * LANES);
        cosine(dot3, nx3, ny3, eps, out, to + 3 * LANES);
    }

    /**
     * Reads one int per cache line of {@code [from, to)} in both inputs, in memory order: independent loads the
     * prefetcher can run ahead of, so the sample arrives at streaming speed instead of at the latency of 2C
     * interleaved strided streams. JMH, three interleaved rounds on the AVX-512 build machine: [128,64,16,16]
     * 0.46-0.63 ms against 0.67-0.79 without, [128,256,16,16] 2.5-3.4 against 4.0-4.2.
     */
    private static int warm(ByteBuffer x, ByteBuffer y, int from, int to) {
        int seen = 0;
        for (int at = from; at < to; at += LINE) {
            seen ^= x.getInt(at) ^ y.getInt(at);
        }
        return seen;
    }

    private static FloatVector load(ByteBuffer buffer, int byteOffset) {
        return FloatVector.fromByteBuffer(SPECIES, buffer, byteOffset, ByteOrder.nativeOrder());
    }

    private static void cosine(FloatVector dot, FloatVector nx, FloatVector ny, float eps, ByteBuffer out, int to) {
        dot.div(nx.mul(ny).sqrt().max(eps)).intoByteBuffer(out, 4 * to, ByteOrder.nativeOrder());
    }

    /** The array's bytes (callers pass contiguous 'c'-order arrays without offset). */
    private static ByteBuffer buffer(INDArray a) {
        return a.data().asNio().order(ByteOrder.nativeOrder());
    }
}
