package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Group normalisation (Wu and He, 2018) of a feature map {@code [B,C,H,W]}, optionally followed by SiLU, as in the
 * DDPM U-Net: the channels are split into {@code groups} groups, each sample's group is standardised over its
 * channels and locations, {@code y = gamma_c (x - mean_g) / sqrt(var_g + eps) + beta_c}. Unlike batch norm it
 * uses no batch statistics, so a batch of images at mixed timesteps normalises each image on its own, and training
 * and inference compute the same function.
 *
 * <p>The layer's configuration; {@link GroupNormalizationLayer} computes it, with a hand-written backward pass
 * (a test checks it against finite differences). Its fields have getters and setters, so DL4J saves and loads it as
 * JSON.
 */
public final class GroupNormalization extends FeedForwardLayer {
    public static final String GAMMA = "gamma";
    public static final String BETA = "beta";
    static final double EPS = 1e-5;

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
        Preconditions.checkArgument(channels >= 1, "channels must be >= 1, got %s", channels);
        Preconditions.checkArgument(groups >= 1 && channels % groups == 0, "group norm needs groups that divide the "
                + "channels, got %s groups of %s channels", groups, channels);
        setNIn(channels);
        setNOut(channels);
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
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int index,
                             INDArray paramsView, boolean initializeParams, DataType dataType) {
        Preconditions.checkArgument(getIDropout() == null && getWeightNoise() == null, "group norm %s does not apply "
                + "dropout or weight noise; set them on the layers that need them instead of the whole network",
                getLayerName());
        GroupNormalizationLayer layer = new GroupNormalizationLayer(conf, dataType);
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        Map<String, INDArray> table = initializer().init(conf, paramsView, initializeParams);
        layer.setParamTable(table);
        layer.setConf(conf);
        return layer;
    }

    @Override
    public ParamInitializer initializer() {
        return GroupNormalizationParams.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        checkInput(inputType);
        return inputType;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        checkInput(inputType);
    }

    private void checkInput(InputType inputType) {
        Preconditions.checkArgument(inputType instanceof InputType.InputTypeConvolutional,
                "group norm takes a [C,H,W] feature map, got %s", inputType);
        InputType.InputTypeConvolutional map = (InputType.InputTypeConvolutional) inputType;
        Preconditions.checkArgument(map.getFormat() == CNN2DFormat.NCHW, "group norm takes NCHW feature maps, got %s",
                map.getFormat());
        long channels = map.getChannels();
        Preconditions.checkArgument(channels == getNIn(), "group norm was built for %s channels but its input has %s",
                getNIn(), channels);
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    /** None, as for DL4J's batch norm: weight decay would pull the scale towards 0. */
    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return List.of();
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long perExample = inputType.arrayElementsPerExample();
        long updaterState = 0;
        for (String p : initializer().paramKeys(this)) {
            updaterState += getUpdaterByParam(p).stateSize(getNOut());
        }
        // training keeps the standardised map and the pre-activation for the backward pass
        return new LayerMemoryReport.Builder(getLayerName(), GroupNormalization.class, inputType, inputType)
                .standardMemory(initializer().numParams(this), updaterState)
                .workingMemory(0, perExample, 0, 3 * perExample)
                .cacheMemory(0, 0)
                .build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupNormalization g && super.equals(o) && groups == g.groups && silu == g.silu;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), groups, silu);
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
