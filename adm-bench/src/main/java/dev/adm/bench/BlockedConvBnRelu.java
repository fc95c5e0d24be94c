package dev.adm.bench;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;

/**
 * A prototype of one training pass (forward and backward) of a 3x3 convolution, batch norm and ReLU called on
 * oneDNN directly, with every activation and gradient kept in the layout oneDNN's convolution chooses (on AVX2,
 * 8-channel blocks) and ReLU fused into batch norm; the measurement behind docs/performance.md's answer to what
 * replacing DL4J's layers would gain. Not used by the engine.
 *
 * <p>The block computes what DL4J's {@code ConvolutionLayer} (no bias) followed by {@code BatchNormalization} and
 * a ReLU {@code ActivationLayer} compute ({@code BlockedConvBnReluTest} compares the two): given the input and the
 * gradient of the block's output, {@link #step()} produces the output, the input gradient, the convolution's
 * weight gradient and batch norm's gamma and beta gradients. Plain NCHW arrays go in and out only through the
 * accessors, which reorder; the step itself reorders nothing but the small weight tensors.
 */
final class BlockedConvBnRelu implements AutoCloseable {

    private static final float EPSILON = 1e-5f;

    private final long[] activationShape;
    private final long[] weightShape;
    private final engine cpu = new engine(engine.kind.cpu, 0);
    private final stream stream = new stream(cpu);
    private final List<Pointer> owned = new ArrayList<>();
    private final List<Runnable> steps = new ArrayList<>();

    private final memory src;
    private final memory weights;
    private final memory convDst;
    private final memory dst;
    private final memory diffDst;
    private final memory diffConvDst;
    private final memory diffSrc;
    private final memory diffWeights;
    private final memory scaleShift;
    private final memory diffScaleShift;

    /** A block of {@code channels -> channels} at {@code height x width}, batch {@code batch}, stride 1, pad 1. */
    BlockedConvBnRelu(int batch, int channels, int height, int width) {
        checkArgument(batch > 0 && channels > 0 && height > 0 && width > 0,
                "batch, channels, height and width must be positive: %s, %s, %s, %s", batch, channels, height, width);
        activationShape = new long[] {batch, channels, height, width};
        weightShape = new long[] {channels, channels, 3, 3};
        long[] unit = {1, 1};
        memory.desc anyActivation = own(new memory.desc(activationShape, memory.data_type.f32, memory.format_tag.any));
        memory.desc anyWeights = own(new memory.desc(weightShape, memory.data_type.f32, memory.format_tag.any));

        convolution_forward.primitive_desc convForward = own(new convolution_forward.primitive_desc(
                own(new convolution_forward.desc(dnnl.prop_kind.forward_training, dnnl.algorithm.convolution_direct,
                        anyActivation, anyWeights, anyActivation, unit, unit, unit)), cpu));
        memory.desc blocked = convForward.dst_desc();
        if (!blocked.equals(convForward.src_desc())) {
            // on some CPUs (AVX-512 here) oneDNN picks a plainer input layout for a narrow first map: ask for the
            // output's layout on both sides, so activations stay in one layout from block to block
            convForward = own(new convolution_forward.primitive_desc(own(new convolution_forward.desc(
                    dnnl.prop_kind.forward_training, dnnl.algorithm.convolution_direct, blocked, anyWeights, blocked,
                    unit, unit, unit)), cpu));
        }
        checkArgument(blocked.equals(convForward.src_desc()), "oneDNN chose different input and output layouts");
        src = memory(blocked);
        weights = memory(convForward.weights_desc());
        convDst = memory(blocked);
        int bnFlags = dnnl.normalization_flags.use_scale_shift.value | dnnl.normalization_flags.fuse_norm_relu.value;
        batch_normalization_forward.primitive_desc bnForward = own(new batch_normalization_forward.primitive_desc(
                own(new batch_normalization_forward.desc(dnnl.prop_kind.forward_training.value, blocked, EPSILON,
                        bnFlags)), cpu));
        dst = memory(bnForward.dst_desc());
        scaleShift = memory(bnForward.weights_desc());
        memory mean = memory(bnForward.mean_desc());
        memory variance = memory(bnForward.variance_desc());
        memory workspace = memory(bnForward.workspace_desc());

        batch_normalization_backward.primitive_desc bnBackward = own(new batch_normalization_backward.primitive_desc(
                own(new batch_normalization_backward.desc(dnnl.prop_kind.backward.value, bnForward.dst_desc(), blocked,
                        EPSILON, bnFlags)), cpu, bnForward));
        diffDst = memory(bnBackward.diff_dst_desc());
        diffConvDst = memory(bnBackward.diff_src_desc());
        diffScaleShift = memory(bnBackward.diff_weights_desc());

        convolution_backward_data.primitive_desc convData = own(new convolution_backward_data.primitive_desc(
                own(new convolution_backward_data.desc(dnnl.algorithm.convolution_direct, blocked, anyWeights,
                        bnBackward.diff_src_desc(), unit, unit, unit)), cpu, convForward));
        diffSrc = memory(convData.diff_src_desc());
        memory dataWeights = convData.weights_desc().equals(convForward.weights_desc())
                ? weights : memory(convData.weights_desc());
        convolution_backward_weights.primitive_desc convWeights = own(new convolution_backward_weights.primitive_desc(
                own(new convolution_backward_weights.desc(dnnl.algorithm.convolution_direct, blocked, anyWeights,
                        bnBackward.diff_src_desc(), unit, unit, unit)), cpu, convForward));
        diffWeights = memory(convWeights.diff_weights_desc());

        checkArgument(convData.diff_dst_desc().equals(bnBackward.diff_src_desc())
                        && convWeights.diff_dst_desc().equals(bnBackward.diff_src_desc())
                        && convWeights.src_desc().equals(blocked) && convData.diff_src_desc().equals(blocked),
                "oneDNN's backward convolutions chose other activation layouts than its forward one");

        add(new convolution_forward(convForward), args(dnnl.DNNL_ARG_SRC, src, dnnl.DNNL_ARG_WEIGHTS, weights,
                dnnl.DNNL_ARG_DST, convDst));
        add(new batch_normalization_forward(bnForward), args(dnnl.DNNL_ARG_SRC, convDst, dnnl.DNNL_ARG_DST, dst,
                dnnl.DNNL_ARG_SCALE_SHIFT, scaleShift, dnnl.DNNL_ARG_MEAN, mean, dnnl.DNNL_ARG_VARIANCE, variance,
                dnnl.DNNL_ARG_WORKSPACE, workspace));
        add(new batch_normalization_backward(bnBackward), args(dnnl.DNNL_ARG_SRC, convDst,
                dnnl.DNNL_ARG_DIFF_DST, diffDst, dnnl.DNNL_ARG_SCALE_SHIFT, scaleShift, dnnl.DNNL_ARG_MEAN, mean,
                dnnl.DNNL_ARG_VARIANCE, variance, dnnl.DNNL_ARG_WORKSPACE, workspace,
                dnnl.DNNL_ARG_DIFF_SRC, diffConvDst, dnnl.DNNL_ARG_DIFF_SCALE_SHIFT, diffScaleShift));
        if (dataWeights != weights) {
            reorder weightsForData = own(new reorder(weights, dataWeights));
            steps.add(() -> weightsForData.execute(stream, weights, dataWeights));
        }
        add(new convolution_backward_data(convData), args(dnnl.DNNL_ARG_DIFF_DST, diffConvDst,
                dnnl.DNNL_ARG_WEIGHTS, dataWeights, dnnl.DNNL_ARG_DIFF_SRC, diffSrc));
        add(new convolution_backward_weights(convWeights), args(dnnl.DNNL_ARG_SRC, src,
                dnnl.DNNL_ARG_DIFF_DST, diffConvDst, dnnl.DNNL_ARG_DIFF_WEIGHTS, diffWeights));
    }

    /** One forward and backward pass; the results are ready when it returns. */
    void step() {
        for (Runnable s : steps) {
            s.run();
        }
        stream._wait();
    }

    /** Sets the input from a plain NCHW array. */
    void setInput(float[] nchw) {
        write(nchw, activationShape, memory.format_tag.nchw, src);
    }

    /** Sets the gradient of the loss with respect to the block's output, a plain NCHW array. */
    void setOutputGradient(float[] nchw) {
        write(nchw, activationShape, memory.format_tag.nchw, diffDst);
    }

    /** Sets the convolution's weights from a plain OIHW array. */
    void setWeights(float[] oihw) {
        write(oihw, weightShape, memory.format_tag.oihw, weights);
    }

    /** Sets batch norm's gamma and beta. */
    void setGammaBeta(float[] gamma, float[] beta) {
        int c = gamma.length;
        checkArgument(beta.length == c && c == activationShape[1], "gamma and beta need %s values each",
                activationShape[1]);
        FloatPointer p = new FloatPointer(scaleShift.get_data_handle()).capacity(2L * c);
        p.put(gamma, 0, c);
        p.position(c).put(beta, 0, c);
    }

    float[] output() {
        return read(dst, activationShape, memory.format_tag.nchw);
    }

    float[] inputGradient() {
        return read(diffSrc, activationShape, memory.format_tag.nchw);
    }

    float[] weightGradient() {
        return read(diffWeights, weightShape, memory.format_tag.oihw);
    }

    /** The gradients of gamma (first {@code C} values) and beta (next {@code C}). */
    float[] gammaBetaGradient() {
        int n = (int) (2 * activationShape[1]);
        float[] out = new float[n];
        new FloatPointer(diffScaleShift.get_data_handle()).capacity(n).get(out);
        return out;
    }

    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        stream.close();
        cpu.close();
    }

    private void add(primitive p, IntMemoryMap args) {
        own(p);
        steps.add(() -> p.execute(stream, args));
    }

    private IntMemoryMap args(Object... pairs) {
        IntMemoryMap map = own(new IntMemoryMap());
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((Integer) pairs[i], (memory) pairs[i + 1]);
        }
        return map;
    }

    private memory memory(memory.desc desc) {
        return own(new memory(desc, cpu));
    }

    private void write(float[] values, long[] shape, memory.format_tag plain, memory target) {
        memory source = plain(shape, plain);
        checkArgument(values.length == elements(shape), "expected %s values, got %s", elements(shape),
                values.length);
        new FloatPointer(source.get_data_handle()).capacity(values.length).put(values);
        try (reorder r = new reorder(source, target)) {
            r.execute(stream, source, target);
            stream._wait();
        } finally {
            source.close();
        }
    }

    private float[] read(memory blockedSource, long[] shape, memory.format_tag plain) {
        memory target = plain(shape, plain);
        try (reorder r = new reorder(blockedSource, target)) {
            r.execute(stream, blockedSource, target);
            stream._wait();
            float[] out = new float[(int) elements(shape)];
            new FloatPointer(target.get_data_handle()).capacity(out.length).get(out);
            return out;
        } finally {
            target.close();
        }
    }

    private memory plain(long[] shape, memory.format_tag tag) {
        try (memory.desc d = new memory.desc(shape, memory.data_type.f32, tag)) {
            return new memory(d, cpu);
        }
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    private <T extends Pointer> T own(T p) {
        owned.add(p);
        return p;
    }
}
