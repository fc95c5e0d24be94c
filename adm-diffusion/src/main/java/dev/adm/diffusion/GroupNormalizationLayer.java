package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Swish;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Computes {@link GroupNormalization} with ND4J operations: the forward pass keeps the standardised map, the
 * per-group reciprocal deviations and (with SiLU) the pre-activation for the backward pass, which is the closed form
 * {@code dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat))} over each group.
 */
final class GroupNormalizationLayer extends BaseLayer<GroupNormalization> {
    private INDArray standardised; // [B,C,H,W]
    private INDArray reciprocalStd; // [B*G,1]
    private INDArray preActivation; // [B,C,H,W], with SiLU only

    GroupNormalizationLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Type type() {
        return Type.NORMALIZATION;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        Preconditions.checkArgument(input.rank() == 4 && input.size(1) == layerConf().getNIn(), "group norm %s "
                + "expects [B,%s,H,W] input, got %s", layerId(), layerConf().getNIn(), input.shapeInfoToString());
        long[] shape = input.shape();
        long rows = shape[0] * layerConf().getGroups();
        ArrayType kept = kept(training, workspaceMgr);
        // a copy that is centred and scaled in place
        INDArray x = workspaceMgr.dup(kept, input, 'c').reshape('c', rows, -1);
        INDArray mean = x.mean(true, 1);
        x.subiColumnVector(mean);
        INDArray variance = x.norm2(true, 1); // without a squared copy of the map
        variance.muli(variance).divi(x.size(1)).addi(GroupNormalization.EPS);
        INDArray rstd = Transforms.pow(variance, -0.5, false);
        x.muliColumnVector(rstd);
        INDArray xhat = x.reshape('c', shape);
        boolean silu = layerConf().isSilu();
        INDArray y = workspaceMgr.createUninitialized(silu ? kept : ArrayType.ACTIVATIONS, dataType, shape, 'c');
        Nd4j.getExecutioner().exec(new BroadcastMulOp(xhat, channelVector(GroupNormalizationParams.GAMMA), y, 1));
        Nd4j.getExecutioner().exec(new BroadcastAddOp(y, channelVector(GroupNormalizationParams.BETA), y, 1));
        INDArray out = y;
        if (silu) {
            out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, shape, 'c');
            Nd4j.getExecutioner().exec(new Swish(y, out));
        }
        standardised = training ? xhat : null;
        reciprocalStd = training ? workspaceMgr.leverageTo(kept, rstd) : null;
        preActivation = training && silu ? y : null;
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        Preconditions.checkState(standardised != null, "group norm %s: backprop needs a training forward pass first",
                layerId());
        long[] shape = epsilon.shape();
        INDArray dy = epsilon.dup('c');
        if (layerConf().isSilu()) {
            // d(y sigmoid(y))/dy = s (1 + y (1 - s)); ND4J's SwishDerivative overflows to NaN in float above y ~ 44
            INDArray s = Transforms.sigmoid(preActivation, true);
            dy.muli(s.rsub(1).muli(preActivation).addi(1).muli(s));
        }
        INDArray gammaGrad = gradientViews.get(GroupNormalizationParams.GAMMA);
        INDArray betaGrad = gradientViews.get(GroupNormalizationParams.BETA);
        gammaGrad.assign(dy.mul(standardised).sum(0, 2, 3).reshape(gammaGrad.shape()));
        betaGrad.assign(dy.sum(0, 2, 3).reshape(betaGrad.shape()));

        Nd4j.getExecutioner().exec(new BroadcastMulOp(dy, channelVector(GroupNormalizationParams.GAMMA), dy, 1));
        long rows = reciprocalStd.length();
        INDArray dxhat = dy.reshape('c', rows, -1);
        INDArray xhat = standardised.reshape('c', rows, -1);
        INDArray meanGrad = dxhat.mean(true, 1);
        INDArray meanProjection = dxhat.mul(xhat).mean(true, 1);
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, shape, 'c');
        INDArray dxRows = dx.reshape('c', rows, -1);
        dxRows.assign(xhat).muliColumnVector(meanProjection).rsubi(dxhat).subiColumnVector(meanGrad)
                .muliColumnVector(reciprocalStd);

        Gradient gradient = new DefaultGradient(gradientsFlattened);
        gradient.setGradientFor(GroupNormalizationParams.GAMMA, gammaGrad);
        gradient.setGradientFor(GroupNormalizationParams.BETA, betaGrad);
        return new Pair<>(gradient, dx);
    }

    /**
     * Where the arrays the backward pass reads live: as long as the activations. In DL4J's workspace forward (its
     * {@code fit}, the engine's) that is the layer-input workspace, as for DL4J's batch norm; its detached forward
     * (the public {@code feedForward}) closes that workspace after each layer and keeps activations outside any, so
     * there they are kept outside too. Inference keeps nothing: working memory.
     */
    private static ArrayType kept(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!training) {
            return ArrayType.FF_WORKING_MEM;
        }
        return workspaceMgr.isScopedOut(ArrayType.ACTIVATIONS) ? ArrayType.ACTIVATIONS : ArrayType.INPUT;
    }

    /** A parameter as a length-C vector, for broadcasting along the channel axis. */
    private INDArray channelVector(String param) {
        return getParam(param).reshape(layerConf().getNOut());
    }

    @Override
    public void clear() {
        super.clear();
        standardised = null;
        reciprocalStd = null;
        preActivation = null;
    }
}
