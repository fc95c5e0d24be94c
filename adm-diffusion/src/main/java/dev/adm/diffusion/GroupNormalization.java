package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Group normalisation (Wu and He, 2018) of a feature map {@code [B,C,H,W]}, optionally followed by SiLU, as in the
 * DDPM U-Net: the channels are split into {@code groups} groups, each sample's group is standardised over its
 * channels and locations, {@code y = gamma_c (x - mean_g) / sqrt(var_g + eps) + beta_c}. Unlike batch norm it
 * uses no batch statistics, so a batch of images at mixed timesteps normalises each image on its own, and training
 * and inference compute the same function.
 *
 * <p>A SameDiff layer (the gradient is SameDiff's), corrected for the factor of 2 that DL4J M2.1 puts on every
 * SameDiff layer's gradient ({@link MapSameDiffLayer#singleGradient}); a test checks it against finite differences.
 */
public final class GroupNormalization extends MapSameDiffLayer {
    public static final String GAMMA = "gamma";
    public static final String BETA = "beta";
    private static final double EPS = 1e-5;

    private long groups;
    private boolean silu;

    /** For JSON deserialisation. */
    private GroupNormalization() {
    }

    /**
     * @param channels the input's channels (checked against the input type when the graph is built)
     * @param groups   the number of groups; divides {@code channels}
     * @param silu     apply SiLU ({@code y sigmoid(y)}) to the normalised map
     */
    public GroupNormalization(long channels, long groups, boolean silu) {
        super(channels);
        Preconditions.checkArgument(groups >= 1 && channels % groups == 0, "group norm needs groups that divide the "
                + "channels, got %s groups of %s channels", groups, channels);
        this.groups = groups;
        this.silu = silu;
    }

    /** DDPM's choice where it fits: 32 groups, fewer (down to groups of 2 channels) for narrow maps. */
    public static long groupsFor(long channels) {
        long g = Math.max(1, Math.min(32, channels / 2));
        while (channels % g != 0) {
            g--;
        }
        return g;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addWeightParam(GAMMA, 1, getChannels());
        params.addBiasParam(BETA, 1, getChannels());
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get(GAMMA).assign(1);
        params.get(BETA).assign(0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        long channels = getChannels();
        long height = getHeight();
        long width = getWidth();
        SDVariable grouped = x.reshape(-1, groups, (channels / groups) * height * width);
        SDVariable centered = grouped.sub(grouped.mean(true, 2));
        SDVariable variance = centered.mul(centered).mean(true, 2);
        SDVariable normed = centered.div(sd.math().sqrt(variance.add(EPS))).reshape(-1, channels, height, width);
        SDVariable out = normed.mul(p.get(GAMMA).reshape(1, channels, 1, 1)).add(p.get(BETA).reshape(1, channels, 1,
                1));
        if (silu) {
            out = out.mul(sd.nn().sigmoid(out));
        }
        return singleGradient(sd, out);
    }

    public long getGroups() {
        return groups;
    }

    public void setGroups(long groups) {
        this.groups = groups;
    }

    public boolean isSilu() {
        return silu;
    }

    public void setSilu(boolean silu) {
        this.silu = silu;
    }
}
