package dev.adm.segmentation;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.GraphEdits;
import dev.adm.core.engine.GraphSurgery;
import dev.adm.core.engine.Taps;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelSpec;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.List;
import java.util.Map;

/**
 * An FCN head on a zoo backbone (torchvision's {@code FCNHead}): the backbone's {@code feat} map goes through a
 * 3x3 convolution to a quarter of its channels (at least 16), batch norm and ReLU (the decoder map, tap
 * {@code feat}), is resized bilinearly to the input size, and a 1x1 convolution gives per-pixel logits
 * ({@code logits}, {@code [B,K,H,W]}); see {@link HeadParts#fcnBlock} for why the classifier follows the resize.
 */
public final class FcnHead {
    /** The decoder map's vertex (tap {@code feat}). */
    public static final String DECODER = "head_conv_bn";
    /** The auxiliary head's logits vertex and tap ({@link #withAuxiliary}). */
    public static final String AUX = Taps.AUX;

    private FcnHead() {
    }

    /**
     * @param backbone a zoo model (its {@code feat} tap, {@code pool} and {@code logits} vertices are used)
     * @param config   input size, number of classes (background included), seed and updater
     */
    public static SegmentationNet build(ModelSpec backbone, ModelConfig config) {
        ComputationGraph classifier = backbone.build(config);
        InputType input = InputType.convolutional(config.height(), config.width(), config.channels());
        String feat = backbone.tapAliases().getOrDefault(Taps.FEAT, Taps.FEAT);
        long channels = GraphSurgery.activationShape(classifier, input, feat)[0];
        long inter = Math.max(16, channels / 4);
        Preconditions.checkArgument(classifier.getConfiguration().getVertices().containsKey("pool"),
                "backbone %s has no 'pool' vertex to remove", backbone.name());
        ComputationGraph g = GraphEdits.replaceHead(classifier, "logits", List.of("logits", "pool"), input,
                e -> HeadParts.fcnBlock(e, "head", "logits", feat, channels, inter, config), "logits");
        return new SegmentationNet(g, Map.of(Taps.FEAT, DECODER));
    }

    /**
     * Adds an auxiliary FCN head (tap {@code aux}: per-pixel logits at the input size) on the stage before the
     * last one ({@code stage<N-1>}), as PSPNet and DeepLab train with: 3x3 conv + BN + ReLU, resize, 1x1 classifier.
     */
    public static SegmentationNet withAuxiliary(SegmentationNet net, ModelConfig config) {
        ComputationGraph g = net.graph();
        var vertices = g.getConfiguration().getVertices().keySet();
        int last = 0;
        while (vertices.contains("stage" + (last + 1))) {
            last++;
        }
        Preconditions.checkArgument(last >= 2, "an auxiliary head needs a backbone with at least two stages "
                + "(stage1, stage2, ...); this one has %s", last);
        String source = "stage" + (last - 1);
        InputType input = InputType.convolutional(config.height(), config.width(), config.channels());
        long channels = GraphSurgery.activationShape(g, input, source)[0];
        long inter = Math.max(16, channels / 4);
        ComputationGraph withAux = GraphEdits.extend(g, "logits", input,
                e -> HeadParts.fcnBlock(e, "aux", AUX, source, channels, inter, config));
        return new SegmentationNet(withAux, net.taps());
    }
}
