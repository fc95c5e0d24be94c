package dev.adm.segmentation;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.GraphSurgery;
import dev.adm.models.zoo.BilinearResizeVertex;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelSpec;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;

import java.util.List;
import java.util.Map;

/**
 * An FCN head on a zoo backbone (torchvision's {@code FCNHead}): the backbone's {@code feat} map goes through a
 * 3x3 convolution to a quarter of its channels (at least 16), batch norm and ReLU (the decoder map, tap
 * {@code feat}), is resized bilinearly to the input size, and a 1x1 convolution gives per-pixel logits
 * ({@code logits}, {@code [B,K,H,W]}). The 1x1 classifier runs after the resize rather than before: both are
 * linear and a bilinear resize preserves constants, so the logits are the same, and the head's last layer is
 * then the network's logits layer, as the distillation engine expects.
 */
public final class FcnHead {
    /** The decoder map's vertex (tap {@code feat}). */
    public static final String DECODER = "head_bn";

    private FcnHead() {
    }

    /**
     * @param backbone a zoo model (its {@code feat} tap, {@code pool} and {@code logits} vertices are used)
     * @param config   input size, number of classes (background included), seed and updater
     */
    public static SegmentationNet build(ModelSpec backbone, ModelConfig config) {
        ComputationGraph classifier = backbone.build(config);
        InputType input = InputType.convolutional(config.height(), config.width(), config.channels());
        String feat = backbone.tapAliases().getOrDefault("feat", "feat");
        long channels = GraphSurgery.activationShape(classifier, input, feat)[0];
        long inter = Math.max(16, channels / 4);
        Preconditions.checkArgument(classifier.getConfiguration().getVertices().containsKey("pool"),
                "backbone %s has no 'pool' vertex to remove", backbone.name());
        ComputationGraph g = GraphSurgery.replaceHead(classifier, "logits", List.of("logits", "pool"), input, e -> e
                .layer("head_conv", new ConvolutionLayer.Builder(3, 3).nIn(channels).nOut(inter).padding(1, 1)
                        .convolutionMode(ConvolutionMode.Truncate).hasBias(false).activation(Activation.IDENTITY)
                        .build(), feat)
                .layer(DECODER, new BatchNormalization.Builder().nIn(inter).nOut(inter).activation(Activation.RELU)
                        .build(), "head_conv")
                .vertex("head_up", new BilinearResizeVertex(config.height(), config.width()), DECODER)
                .layer("logits", new ConvolutionLayer.Builder(1, 1).nIn(inter).nOut(config.numClasses())
                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY).build(), "head_up"),
                "logits");
        return new SegmentationNet(g, Map.of("feat", DECODER));
    }
}
