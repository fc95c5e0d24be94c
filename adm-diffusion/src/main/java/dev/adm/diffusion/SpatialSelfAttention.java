package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

import java.util.Map;

/**
 * Single-head self-attention over the locations of a feature map, with a residual connection, as in the DDPM U-Net's
 * lowest resolution: with {@code X} the map as {@code [B, HW, C]},
 * {@code out = X + softmax(Q K^T / sqrt(C)) V Wo + bo}, where {@code [Q K V] = X Wqkv + bqkv}.
 *
 * <p>Written as a SameDiff layer (the gradient comes from SameDiff's automatic differentiation), corrected for
 * the factor of 2 that DL4J M2.1 puts on every SameDiff layer's gradient (which is why its own
 * {@code SelfAttentionLayer} fails a finite-difference check).
 * {@code Wo} starts at zero, so a new block is the identity (the usual initialisation of DDPM's attention).
 */
public final class SpatialSelfAttention extends SameDiffLayer {
    public static final String QKV_W = "Wqkv";
    public static final String QKV_B = "bqkv";
    public static final String OUT_W = "Wo";
    public static final String OUT_B = "bo";

    private long channels;
    private long height;
    private long width;

    /** For JSON deserialisation. */
    private SpatialSelfAttention() {
    }

    /** A block for maps of {@code channels} channels (checked against the input type when the graph is built). */
    public SpatialSelfAttention(long channels) {
        Preconditions.checkArgument(channels >= 1, "channels must be >= 1, got %s", channels);
        this.channels = channels;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        Preconditions.checkArgument(inputType instanceof InputType.InputTypeConvolutional,
                "SpatialSelfAttention takes a [C,H,W] feature map, got %s", inputType);
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
        Preconditions.checkArgument(c.getChannels() == channels, "SpatialSelfAttention was built for %s channels "
                + "but its input has %s", channels, c.getChannels());
        height = c.getHeight();
        width = c.getWidth();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addWeightParam(QKV_W, channels, 3 * channels);
        params.addBiasParam(QKV_B, 1, 3 * channels);
        params.addWeightParam(OUT_W, channels, channels);
        params.addBiasParam(OUT_B, 1, channels);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initWeights((int) channels, (int) (3 * channels), WeightInit.XAVIER, params.get(QKV_W));
        params.get(QKV_B).assign(0);
        params.get(OUT_W).assign(0);
        params.get(OUT_B).assign(0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        long hw = height * width;
        long c = channels;
        SDVariable tokens = x.reshape(-1, c, hw).permute(0, 2, 1).reshape(-1, c);                // [B*HW, C]
        SDVariable qkv = tokens.mmul(p.get(QKV_W)).add(p.get(QKV_B));                            // [B*HW, 3C]
        SDVariable q = qkv.get(SDIndex.all(),
                SDIndex.interval(0L, c)).reshape(-1, hw, c);
        SDVariable k = qkv.get(SDIndex.all(),
                SDIndex.interval(c, 2 * c)).reshape(-1, hw, c);
        SDVariable v = qkv.get(SDIndex.all(),
                SDIndex.interval(2 * c, 3 * c)).reshape(-1, hw, c);
        SDVariable scores = sd.linalg().matmul(q, k.permute(0, 2, 1)).mul(1.0 / Math.sqrt(c));  // [B, HW, HW]
        SDVariable weights = sd.nn().softmax(scores, 2);
        SDVariable attended = sd.linalg().matmul(weights, v).reshape(-1, c);                    // [B*HW, C]
        SDVariable projected = attended.mmul(p.get(OUT_W)).add(p.get(OUT_B));
        SDVariable back = projected.reshape(-1, hw, c).permute(0, 2, 1).reshape(-1, c, height, width);
        SDVariable out = x.add(back);
        // DL4J M2.1's SameDiffLayer hands the layer's output twice the external error (any SameDiff layer, its own
        // SelfAttentionLayer included): half of the output carries the gradient, the other half is the same value
        // behind a stop-gradient, so the forward value is exact and the gradient is right. A test checks it against
        // finite differences, so a DL4J that fixes this shows up at once.
        SDVariable frozen = new StopGradient(sd, out).outputVariable();
        return out.mul(0.5).add(frozen.mul(0.5));
    }

    public long getChannels() {
        return channels;
    }

    public void setChannels(long channels) {
        this.channels = channels;
    }

    public long getHeight() {
        return height;
    }

    public void setHeight(long height) {
        this.height = height;
    }

    public long getWidth() {
        return width;
    }

    public void setWidth(long width) {
        this.width = width;
    }
}
