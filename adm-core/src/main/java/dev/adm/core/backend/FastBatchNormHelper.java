package dev.adm.core.backend;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.layers.convolution.BatchNorm;
import org.nd4j.linalg.api.ops.impl.summarystats.Variance;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;
import java.util.Collections;
import java.util.Map;

/**
 * DL4J's oneDNN batch-norm helper ({@link MKLDNNBatchNormHelper}, whose logic this follows op for op) with one
 * change: in training, the batch mean and variance of NCHW float maps come from {@link ChannelStatistics}'s
 * single SIMD pass instead of ND4J's two strided reductions, which took about a tenth of a resnet8 training
 * step. Everything else (the oneDNN {@code batchnorm} and {@code batchnorm_bp} ops, running statistics) is
 * unchanged. {@link #install} puts it into a network's batch-norm layers.
 */
public final class FastBatchNormHelper implements BatchNormalizationHelper {
    private static final Field HELPER = helperField();

    private OpContext context;
    private INDArray meanCache;
    private INDArray varCache;

    /**
     * Replaces the oneDNN helper of every float batch-norm layer of {@code graph} by this one, when the vector
     * API is available; returns how many layers it changed.
     */
    public static int install(ComputationGraph graph) {
        if (HELPER == null || !dev.adm.core.ops.SpatialOps.VECTOR_API) {
            return 0;
        }
        int changed = 0;
        for (Layer layer : graph.getLayers()) {
            if (layer instanceof BatchNormalization bn && bn.getHelper() instanceof MKLDNNBatchNormHelper
                    && layer.getParam(BatchNormalizationParamInitializer.GAMMA) != null
                    && layer.getParam(BatchNormalizationParamInitializer.GAMMA).dataType() == DataType.FLOAT) {
                try {
                    HELPER.set(bn, new FastBatchNormHelper());
                    changed++;
                } catch (IllegalAccessException e) {
                    return changed;
                }
            }
        }
        return changed;
    }

    private static Field helperField() {
        try {
            Field f = BatchNormalization.class.getDeclaredField("helper");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // another DL4J version: keep its own helper
        }
    }

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return !fixedGammaBeta;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
                              INDArray mean, INDArray var, double decay, double eps, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        if (x.dataType() != DataType.FLOAT) {
            return null; // oneDNN: float only (DL4J then uses its own implementation)
        }
        int axis = (x.rank() != 4 || format == CNN2DFormat.NCHW) ? 1 : 3;
        if (context == null) {
            context = Nd4j.getExecutioner().buildContext();
            context.setIArguments(gamma != null ? 1 : 0, beta != null ? 1 : 0, axis);
            context.setTArguments(eps);
        }
        INDArray m;
        INDArray v;
        if (training) {
            if (meanCache == null) {
                try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    meanCache = Nd4j.createUninitialized(x.dataType(), x.size(axis));
                    varCache = Nd4j.createUninitialized(x.dataType(), x.size(axis));
                }
            }
            if (x.rank() == 4 && axis == 1 && x.ordering() == 'c' && Shape.hasDefaultStridesForShape(x)) {
                ChannelStatistics.meanVariance(x, meanCache, varCache);
            } else {
                int[] dims = x.rank() == 2 ? new int[]{0} : axis == 1 ? new int[]{0, 2, 3} : new int[]{0, 1, 2};
                x.mean(meanCache, dims);
                Nd4j.exec(new Variance(x, varCache, false, dims));
            }
            m = meanCache;
            v = varCache;
        } else {
            m = mean.reshape(mean.length());
            v = var.reshape(var.length());
        }
        context.purge();
        context.setInputArray(0, x);
        context.setInputArray(1, m);
        context.setInputArray(2, v);
        if (gamma != null && beta != null) {
            context.setInputArray(3, gamma.rank() == 2 ? gamma.reshape(gamma.length()) : gamma);
            context.setInputArray(4, beta.rank() == 2 ? beta.reshape(beta.length()) : beta);
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
        context.setOutputArray(0, out);
        Nd4j.exec(new BatchNorm(), context);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView,
                                                     double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!Shape.hasDefaultStridesForShape(epsilon)) {
            epsilon = epsilon.dup('c'); // as DL4J's helper (deeplearning4j issue 8860)
        }
        if (input.dataType() != DataType.FLOAT) {
            return null;
        }
        int axis = (input.rank() != 4 || format == CNN2DFormat.NCHW) ? 1 : 3;
        java.util.List<INDArray> args = new java.util.ArrayList<>(java.util.List.of(input, meanCache, varCache));
        if (gamma != null) {
            args.add(gamma.reshape(gamma.length()));
        }
        if (beta != null) {
            args.add(beta.reshape(beta.length()));
        }
        args.add(epsilon);
        DynamicCustomOp bp = DynamicCustomOp.builder("batchnorm_bp").addInputs(args.toArray(new INDArray[0]))
                .addIntegerArguments(gamma == null ? 0 : 1, beta == null ? 0 : 1, axis)
                .addFloatingPointArguments(eps).build();
        INDArray epsAtInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(),
                input.shape());
        INDArray dLdm = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, meanCache.dataType(),
                meanCache.shape());
        INDArray dLdv = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, meanCache.dataType(),
                meanCache.shape());
        bp.setOutputArgument(0, epsAtInput);
        bp.setOutputArgument(1, dLdm);
        bp.setOutputArgument(2, dLdv);
        if (dGammaView != null) {
            bp.setOutputArgument(3, dGammaView.reshape(dGammaView.length()));
            bp.setOutputArgument(4, dBetaView.reshape(dBetaView.length()));
        }
        Nd4j.exec(bp);
        Gradient g = new DefaultGradient();
        g.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        g.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(g, epsAtInput);
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return meanCache;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return varCache;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Collections.emptyMap();
    }
}
