package dev.adm.core.ops;

import com.google.common.base.Preconditions;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.ops.impl.reduce3.CosineSimilarity;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;

/**
 * ADM's spatial operations (docs/methods.md#adm, steps 1-4), each in two forms: a SameDiff function
 * ({@link SDVariable} in and out, gradients defined) and an eager one on {@link INDArray}s.
 *
 * <p>Shape contract: feature maps are NCHW {@code [B,C,H,W]}; similarity maps and weights are
 * {@code [B,H,W]}; pooled features are {@code [B,C]}. SameDiff does not infer every op's output shape
 * while a graph is built, so the SameDiff forms take the per-sample shape ({@code [C,H,W]}) explicitly. No function
 * materialises a {@code [B,C,H,W]} temporary: channel reductions are reduce ops (reduce3 dot / cosine, squared norm)
 * and the weighted pooling is a batched matrix product.
 *
 * <pre>{@code
 * long[] chw = {64, 7, 7};
 * SDVariable s   = SpatialOps.similarity(sd, fs, ft, chw, chw, SimilarityMeasure.COSINE); // [B,H,W]
 * SDVariable wCo = SpatialOps.locationWeights(sd, s, 7, 7, 0.5, +1);                     // consensus
 * SDVariable gCo = SpatialOps.modulatedPool(sd, fs, chw, wCo);                            // [B,C]
 * }</pre>
 */
public final class SpatialOps {
    /** Denominator clamp of the cosine and of the attention normalisation. */
    public static final double EPS = 1e-8;
    /**
     * Whether the JDK's vector API is on the module path ({@code --add-modules jdk.incubator.vector}, as
     * {@code ./adm}, the tests and the benchmarks run): then the float cosine uses the one-pass SIMD kernel.
     */
    public static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    /** The kernel reads host memory: CPU backend only (a CUDA build keeps S on the device, in reduce3). */
    private static boolean vectorKernel() {
        return VECTOR_API && Nd4j.getBackend().getClass().getName().contains(".cpu.");
    }

    private static INDArray contiguous(INDArray a) {
        return isDense(a) ? a : a.dup('c');
    }

    /** 'c' order from the start of its buffer: the layout the vector kernel addresses directly. */
    private static boolean isDense(INDArray a) {
        return a.ordering() == 'c' && a.offset() == 0 && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(a);
    }

    private SpatialOps() {
    }

    // ---------------------------------------------------------------- validation

    /**
     * Checks that two feature-map shapes ({@code [B,C,H,W]} or {@code [C,H,W]}) can be compared with the
     * given measure and returns nothing; the error names both shapes and the fix.
     */
    public static void checkComparable(long[] studentShape, long[] teacherShape, SimilarityMeasure measure) {
        Preconditions.checkArgument(studentShape.length == teacherShape.length
                        && (studentShape.length == 3 || studentShape.length == 4),
                "feature maps must both be [B,C,H,W] (or [C,H,W]); got student %s and teacher %s",
                Arrays.toString(studentShape), Arrays.toString(teacherShape));
        int c = studentShape.length - 3;
        if (measure == SimilarityMeasure.COSINE && studentShape[c] != teacherShape[c]) {
            throw new IllegalArgumentException(String.format(
                    "cosine similarity needs equal channel counts, but the student feature map is %s and the "
                            + "teacher's is %s; use similarity=attention, which compares spatial attention and "
                            + "works for any channel counts", Arrays.toString(studentShape),
                    Arrays.toString(teacherShape)));
        }
    }

    // ---------------------------------------------------------------- similarity

    /** Similarity map {@code [B,H,W]} of two {@code [B,C,H,W]} maps of per-sample shapes {@code chwS}, {@code chwT}. */
    public static SDVariable similarity(SameDiff sd, SDVariable fs, SDVariable ft, long[] chwS, long[] chwT,
                                        SimilarityMeasure measure) {
        checkComparable(chwS, chwT, measure);
        Preconditions.checkArgument(chwS[1] == chwT[1] && chwS[2] == chwT[2],
                "similarity needs equal spatial sizes (align them first): %s vs %s", Arrays.toString(chwS),
                Arrays.toString(chwT));
        if (measure == SimilarityMeasure.COSINE) {
            SDVariable dot = sd.dot(fs, ft, 1);
            SDVariable normProduct = sd.squaredNorm(fs, false, 1).mul(sd.squaredNorm(ft, false, 1));
            // sqrt(max(x, eps^2)) == max(sqrt(x), eps), but stays differentiable at a zero vector
            return dot.div(sd.math().sqrt(sd.scalarMax(normProduct, EPS * EPS)));
        }
        return sd.math().abs(normalisedAttention(sd, fs, chwS).sub(normalisedAttention(sd, ft, chwT)))
                .rsub(1.0);
    }

    private static SDVariable normalisedAttention(SameDiff sd, SDVariable f, long[] chw) {
        SDVariable a = sd.squaredNorm(f, false, 1).div((double) chw[0]); // mean_c F^2, [B,H,W]
        // with one location the max is the value itself (M2.1 cannot reduce over size-1 axes in SameDiff)
        SDVariable max = chw[1] * chw[2] == 1 ? a : sd.max(a, true, 1, 2);
        return a.div(sd.scalarMax(max, EPS));
    }

    /**
     * Eager similarity. The float cosine is one SIMD pass over both maps ({@code CosineKernel}) when the
     * vector API is available, else one native reduce3 pass over the channels, whose 0/0 for two zero vectors
     * is mapped to 0, which is what the clamp of docs/methods.md gives (the reduce3 form differs from it only when
     * {@code 0 < |F_s,i||F_t,i| < 1e-8}, where it returns the true cosine).
     */
    public static INDArray similarity(INDArray fs, INDArray ft, SimilarityMeasure measure) {
        checkEagerInputs(fs, ft, measure);
        if (cosineKernelApplies(fs, ft, measure)) {
            return CosineKernel.similarity(contiguous(fs), contiguous(ft),
                    Nd4j.createUninitialized(DataType.FLOAT, fs.size(0), fs.size(2), fs.size(3)));
        }
        if (measure == SimilarityMeasure.COSINE) {
            INDArray s = Nd4j.exec(new CosineSimilarity(fs, ft, 1));
            BooleanIndexing.replaceWhere(s, 0.0, Conditions.isNan());
            return s;
        }
        INDArray as = normalisedAttention(fs);
        INDArray at = normalisedAttention(ft);
        return Transforms.abs(as.subi(at), false).rsubi(1.0);
    }

    /**
     * As {@link #similarity(INDArray, INDArray, SimilarityMeasure)}, written into {@code out} ({@code [B,H,W]})
     * and returned. For loops that compute S again and again: the one-pass kernel writes a dense float
     * {@code out} in place, which spares the fresh native pages of a new result; their page faults added
     * 0.05-0.2 ms to a 0.28-0.38 ms kernel on [128,64,16,16] (docs/performance.md, the similarity kernel). Other
     * arrays receive a copy.
     */
    public static INDArray similarity(INDArray fs, INDArray ft, SimilarityMeasure measure, INDArray out) {
        checkEagerInputs(fs, ft, measure);
        long[] expected = {fs.size(0), fs.size(2), fs.size(3)};
        Preconditions.checkArgument(Arrays.equals(out.shape(), expected),
                "out must have the similarity map's shape [B,H,W] = %s; got %s (create it with "
                        + "Nd4j.create(DataType.FLOAT, %s, %s, %s))", Arrays.toString(expected),
                Arrays.toString(out.shape()), expected[0], expected[1], expected[2]);
        if (cosineKernelApplies(fs, ft, measure) && out.dataType() == DataType.FLOAT && isDense(out)) {
            return CosineKernel.similarity(contiguous(fs), contiguous(ft), out);
        }
        return out.assign(similarity(fs, ft, measure));
    }

    private static void checkEagerInputs(INDArray fs, INDArray ft, SimilarityMeasure measure) {
        checkComparable(fs.shape(), ft.shape(), measure);
        Preconditions.checkArgument(fs.rank() == 4 && fs.size(2) == ft.size(2) && fs.size(3) == ft.size(3),
                "similarity needs [B,C,H,W] maps of equal spatial sizes (align them first): %s vs %s",
                Arrays.toString(fs.shape()), Arrays.toString(ft.shape()));
    }

    private static boolean cosineKernelApplies(INDArray fs, INDArray ft, SimilarityMeasure measure) {
        return measure == SimilarityMeasure.COSINE && vectorKernel() && fs.dataType() == DataType.FLOAT
                && ft.dataType() == DataType.FLOAT && fs.length() < Integer.MAX_VALUE / 4;
    }

    private static INDArray normalisedAttention(INDArray f) {
        INDArray n = f.norm2(1);
        INDArray a = n.muli(n).divi(f.size(1)); // mean_c F^2, [B,H,W]
        INDArray max = Transforms.max(a.reshape(a.size(0), -1).max(1), EPS, false); // [B]
        return Broadcast.div(a, max, a, 0);
    }

    // ---------------------------------------------------------------- weights

    /**
     * Per-sample location weights, mean 1: {@code HW * softmax_i(sign * S_i / tau)}.
     * {@code sign = +1} gives consensus weights {@code w_co}, {@code -1} divergence weights {@code w_di}.
     */
    public static SDVariable locationWeights(SameDiff sd, SDVariable s, long h, long w, double tau, int sign) {
        checkWeightArgs(tau, sign);
        Preconditions.checkArgument(h > 0 && w > 0, "map size must be positive, got %sx%s", h, w);
        long hw = h * w;
        if (hw == 1) {
            return s.mul(0.0).add(1.0); // softmax over one location; SameDiff M2.1 cannot reduce a size-1 axis
        }
        SDVariable flat = sd.reshape(s, -1, hw).mul(sign / tau);
        return sd.reshape(Losses.softmax(sd, flat, 1).mul((double) hw), -1, h, w);
    }

    /**
     * Location weights over the valid locations only (dense tasks, docs/methods.md#adm, step 10): per sample
     * {@code w_i = N_valid * v_i exp(sign S_i/tau) / sum_j v_j exp(sign S_j/tau)}, where {@code v} is the 0/1 validity
     * map {@code [B,h,w]}; invalid locations weigh 0 and the valid ones average 1.
     */
    public static SDVariable validLocationWeights(SameDiff sd, SDVariable s, SDVariable valid, long h, long w,
                                                  double tau, int sign) {
        checkWeightArgs(tau, sign);
        long hw = h * w;
        if (hw == 1) {
            return valid; // one location: its weight is its validity (SameDiff M2.1 cannot reduce a size-1 axis)
        }
        SDVariable flat = sd.reshape(s, -1, hw).mul(sign / tau);
        SDVariable v = sd.reshape(valid, -1, hw);
        SDVariable e = sd.math().exp(flat.sub(sd.max(flat, true, 1))).mul(v);
        SDVariable weights = e.div(sd.scalarMax(e.sum(true, 1), 1e-30)).mul(v.sum(true, 1));
        return sd.reshape(weights, -1, h, w);
    }

    /**
     * The integer factor from a feature map {@code h x w} to the label size {@code H x W}; an error names the sizes
     * unless both sides divide by the same factor.
     */
    public static int labelStride(long labelH, long labelW, long h, long w) {
        Preconditions.checkArgument(labelH % h == 0 && labelW % w == 0 && labelH / h == labelW / w, "the feature map "
                + "(%sx%s) must divide the label size (%sx%s) by one integer factor; use an input size that is a "
                + "multiple of the network's output stride", h, w, labelH, labelW);
        return (int) (labelH / h);
    }

    /** Nearest-neighbour downsampling {@code [B,H,W] -> [B,H/stride,W/stride]} (PyTorch's: pixel {@code i*stride}). */
    public static SDVariable nearestDownsample(SameDiff sd, SDVariable map, int stride) {
        if (stride == 1) {
            return map;
        }
        return sd.stridedSlice(map, new long[]{0, 0, 0}, new long[]{0, 0, 0}, new long[]{1, stride, stride},
                0, 0b111, 0, 0, 0);
    }

    /** Nearest-neighbour upsampling {@code [B,h,w] -> [B,1,h*stride,w*stride]} (each value fills its block). */
    public static SDVariable nearestUpsample(SameDiff sd, SDVariable map, long h, long w, int stride) {
        if (stride == 1) {
            return sd.reshape(map, -1, 1, h, w);
        }
        SDVariable block = sd.constant(Nd4j.ones(map.dataType(), 1, 1, stride, 1, stride));
        return sd.reshape(sd.reshape(map, -1, h, 1, w, 1).mul(block), -1, 1, h * stride, w * stride);
    }

    /** Eager form of {@link #locationWeights(SameDiff, SDVariable, long, long, double, int)}. */
    public static INDArray locationWeights(INDArray s, double tau, int sign) {
        checkWeightArgs(tau, sign);
        long b = s.size(0);
        long hw = s.size(1) * s.size(2);
        INDArray flat = s.reshape(b, hw).mul(sign / tau);
        INDArray w = Nd4j.nn().softmax(flat, 1);
        flat.close(); // computed at every step: its buffer goes back now, not when the collector runs
        return w.muli(hw).reshape(s.shape());
    }

    private static void checkWeightArgs(double tau, int sign) {
        Preconditions.checkArgument(tau > 0 && Double.isFinite(tau), "tau must be a positive number, got %s", tau);
        Preconditions.checkArgument(sign == 1 || sign == -1, "sign must be +1 (consensus) or -1 (divergence), got %s",
                sign);
    }

    // ---------------------------------------------------------------- pooling

    /** {@code g = (1/HW) * sum_i w_i * F_i}: {@code [B,C,H,W]} and {@code [B,H,W]} to {@code [B,C]}. */
    public static SDVariable modulatedPool(SameDiff sd, SDVariable f, long[] chw, SDVariable w) {
        Preconditions.checkArgument(chw.length == 3, "per-sample shape must be [C,H,W], got %s", Arrays.toString(chw));
        long c = chw[0];
        long hw = chw[1] * chw[2];
        SDVariable pooled = sd.mmul(sd.reshape(f, -1, c, hw), sd.reshape(w, -1, hw, 1));
        return sd.reshape(pooled, -1, c).div((double) hw);
    }

    /** Eager form of {@link #modulatedPool(SameDiff, SDVariable, long[], SDVariable)}. */
    public static INDArray modulatedPool(INDArray f, INDArray w) {
        long b = f.size(0);
        long c = f.size(1);
        long hw = f.size(2) * f.size(3);
        Preconditions.checkArgument(w.length() == b * hw, "weights %s do not match feature map %s",
                Arrays.toString(w.shape()), Arrays.toString(f.shape()));
        INDArray pooled = Nd4j.matmul(f.reshape(b, c, hw), w.reshape(b, hw, 1));
        return pooled.reshape(b, c).divi(hw);
    }

    // ---------------------------------------------------------------- spatial alignment

    /**
     * Brings a map {@code [B,C,H,W]} to {@code targetH x targetW} as docs/methods.md#adm (step 1) asks: average
     * pooling when the sizes divide, bilinear resizing otherwise; the identity when they already match.
     * {@code chw} is the input's per-sample shape; the output's is {@code [C, targetH, targetW]}.
     */
    public static SDVariable alignSpatial(SameDiff sd, SDVariable f, long[] chw, long targetH, long targetW) {
        Preconditions.checkArgument(chw.length == 3, "per-sample shape must be [C,H,W], got %s", Arrays.toString(chw));
        long h = chw[1];
        long w = chw[2];
        if (h == targetH && w == targetW) {
            return f;
        }
        if (h >= targetH && w >= targetW && h % targetH == 0 && w % targetW == 0) {
            long kh = h / targetH;
            long kw = w / targetW;
            Pooling2DConfig cfg = Pooling2DConfig.builder().kH(kh).kW(kw).sH(kh).sW(kw)
                    .paddingMode(PaddingMode.VALID).isNHWC(false).build();
            return sd.cnn().avgPooling2d(f, cfg);
        }
        // Bilinear resizing as two products with constant interpolation matrices (SameDiff M2.1 cannot clone
        // its ResizeBilinear op when it builds gradients); same sampling as PyTorch, align_corners=False.
        long c = chw[0];
        SDVariable rowsT = sd.constant(interpolationMatrix(h, targetH, f.dataType()).transpose().dup());
        SDVariable colsT = sd.constant(interpolationMatrix(w, targetW, f.dataType()).transpose().dup());
        SDVariable x = sd.reshape(f, -1, w).mmul(colsT);                                 // [B*C*H, tw]
        x = sd.permute(sd.reshape(x, -1, h, targetW), 0, 2, 1);                          // [B*C, tw, H]
        x = sd.reshape(x, -1, h).mmul(rowsT);                                            // [B*C*tw, th]
        return sd.permute(sd.reshape(x, -1, c, targetW, targetH), 0, 1, 3, 2);           // [B, C, th, tw]
    }

    /** Eager form of {@link #alignSpatial(SameDiff, SDVariable, long[], long, long)}: the same pooling or resizing. */
    public static INDArray alignSpatial(INDArray f, long targetH, long targetW) {
        long b = f.size(0);
        long c = f.size(1);
        long h = f.size(2);
        long w = f.size(3);
        if (h == targetH && w == targetW) {
            return f;
        }
        if (h >= targetH && w >= targetW && h % targetH == 0 && w % targetW == 0) {
            return f.reshape('c', b, c, targetH, h / targetH, targetW, w / targetW).mean(3, 5);
        }
        INDArray rowsT = interpolationMatrix(h, targetH, f.dataType()).transpose();
        INDArray colsT = interpolationMatrix(w, targetW, f.dataType()).transpose();
        INDArray x = f.reshape('c', b * c * h, w).mmul(colsT);                                 // [B*C*H, tw]
        x = x.reshape('c', b * c, h, targetW).permute(0, 2, 1).dup('c');                     // [B*C, tw, H]
        x = x.reshape('c', b * c * targetW, h).mmul(rowsT);                                  // [B*C*tw, th]
        return x.reshape('c', b, c, targetW, targetH).permute(0, 1, 3, 2).dup('c');          // [B, C, th, tw]
    }

    /** {@code [out, in]} matrix of linear interpolation weights, half-pixel centres, edges clamped. */
    public static INDArray interpolationMatrix(long in, long out, org.nd4j.linalg.api.buffer.DataType type) {
        INDArray m = Nd4j.zeros(type, out, in);
        double scale = (double) in / out;
        for (long o = 0; o < out; o++) {
            double src = Math.max((o + 0.5) * scale - 0.5, 0.0);
            long i0 = Math.min((long) Math.floor(src), in - 1);
            long i1 = Math.min(i0 + 1, in - 1);
            double frac = src - i0;
            m.putScalar(new long[]{o, i0}, m.getDouble(o, i0) + (1 - frac));
            m.putScalar(new long[]{o, i1}, m.getDouble(o, i1) + frac);
        }
        return m;
    }

    /** The spatial size both maps are brought to: the smaller of the two (equal sizes: unchanged). */
    public static long[] commonSpatialSize(long[] a, long[] b) {
        int n = a.length;
        long ha = a[n - 2];
        long wa = a[n - 1];
        long hb = b[n - 2];
        long wb = b[n - 1];
        return ha * wa <= hb * wb ? new long[]{ha, wa} : new long[]{hb, wb};
    }
}
