package dev.adm.diffusion;

import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

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
public final class SpatialSelfAttention extends MapSameDiffLayer {
    public static final String QKV_W = "Wqkv";
    public static final String QKV_B = "bqkv";
    public static final String OUT_W = "Wo";
    public static final String OUT_B = "bo";

    /** For JSON deserialisation. */
    private SpatialSelfAttention() {
    }

    /** A block for maps of {@code channels} channels (checked against the input type when the graph is built). */
    public SpatialSelfAttention(long channels) {
        super(channels);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        long channels = getChannels();
        params.clear();
        params.addWeightParam(QKV_W, channels, 3 * channels);
        params.addBiasParam(QKV_B, 1, 3 * channels);
        params.addWeightParam(OUT_W, channels, channels);
        params.addBiasParam(OUT_B, 1, channels);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        long channels = getChannels();
        initWeights((int) channels, (int) (3 * channels), WeightInit.XAVIER, params.get(QKV_W));
        params.get(QKV_B).assign(0);
        params.get(OUT_W).assign(0);
        params.get(OUT_B).assign(0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        long height = getHeight();
        long width = getWidth();
        long hw = height * width;
        long c = getChannels();
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
        return singleGradient(sd, out);
    }
}
