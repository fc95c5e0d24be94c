package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/**
 * A SameDiff layer from a feature map {@code [C,H,W]} to a map of the same shape: it checks its channels against the
 * input type, keeps the map's height and width for its graph, and corrects DL4J M2.1's doubled SameDiff gradient
 * ({@link #singleGradient}). Its fields have getters and setters, so DL4J saves and loads it as JSON.
 */
abstract class MapSameDiffLayer extends SameDiffLayer {
    private long channels;
    private long height;
    private long width;

    /** For JSON deserialisation. */
    MapSameDiffLayer() {
    }

    MapSameDiffLayer(long channels) {
        Preconditions.checkArgument(channels >= 1, "channels must be >= 1, got %s", channels);
        this.channels = channels;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        String layer = getClass().getSimpleName();
        Preconditions.checkArgument(inputType instanceof InputType.InputTypeConvolutional,
                "%s takes a [C,H,W] feature map, got %s", layer, inputType);
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
        Preconditions.checkArgument(c.getChannels() == channels, "%s was built for %s channels but its input has %s",
                layer, channels, c.getChannels());
        height = c.getHeight();
        width = c.getWidth();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }

    /**
     * DL4J M2.1's SameDiffLayer hands the layer's output twice the external error (any SameDiff layer, its own
     * SelfAttentionLayer included): half of the output carries the gradient, the other half is the same value behind
     * a stop-gradient, so the forward value is exact and the gradient is right. Tests check the layers against
     * finite differences, so a DL4J that fixes this shows up at once.
     */
    static SDVariable singleGradient(SameDiff sd, SDVariable out) {
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
