package dev.adm.segmentation;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.GraphEdits;
import dev.adm.core.engine.GraphSurgery;
import dev.adm.core.engine.Taps;
import dev.adm.models.zoo.BilinearResizeVertex;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelSpec;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A DeepLabV3 head (torchvision's {@code DeepLabHead}) on a zoo backbone: ASPP on the {@code feat} map (a 1x1
 * branch, three 3x3 branches with dilation rates {@code rates}, and an image-pooling branch broadcast back to the
 * map), each conv + BN + ReLU with a quarter of the map's channels (at least 16; as FCN and PSP, so the heads'
 * decoder maps compare channel by channel), concatenated and projected by a 1x1 conv + BN + ReLU,
 * then a 3x3 conv + BN + ReLU (the decoder map, tap {@code feat}), a bilinear resize to the input size and the
 * 1x1 classifier {@code logits} (after the resize, as in {@link FcnHead}). torchvision's rates (12, 24, 36) are
 * for 64x64 maps; the default (1, 2, 3) suits the 8x8 maps of the small inputs here.
 */
public final class DeepLabV3Head {
    /** The decoder map's vertex (tap {@code feat}). */
    public static final String DECODER = FcnHead.DECODER;

    private DeepLabV3Head() {
    }

    public static SegmentationNet build(ModelSpec backbone, ModelConfig config) {
        return build(backbone, config, 0, new int[]{1, 2, 3});
    }

    /** @param channels the width of every branch and of the decoder map; 0 = a quarter of the map's (at least 16) */
    public static SegmentationNet build(ModelSpec backbone, ModelConfig config, int channels, int[] rates) {
        Preconditions.checkArgument(channels >= 0 && rates.length >= 1, "need a width >= 0 (0 = automatic) and at "
                + "least one rate");
        ComputationGraph classifier = backbone.build(config);
        InputType input = InputType.convolutional(config.height(), config.width(), config.channels());
        String feat = backbone.tapAliases().getOrDefault(Taps.FEAT, Taps.FEAT);
        long[] map = GraphSurgery.activationShape(classifier, input, feat);
        int width = channels > 0 ? channels : (int) Math.max(16, map[0] / 4);
        ComputationGraph g = GraphEdits.replaceHead(classifier, "logits", List.of("logits", "pool"), input, e -> {
            List<String> branches = new ArrayList<>();
            HeadParts.convBnRelu(e, "aspp_1x1", feat, map[0], width, 1, 1);
            branches.add("aspp_1x1_bn");
            for (int r : rates) {
                HeadParts.convBnRelu(e, "aspp_r" + r, feat, map[0], width, 3, r);
                branches.add("aspp_r" + r + "_bn");
            }
            e.layer("aspp_pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).collapseDimensions(false).build(),
                    feat);
            HeadParts.convBnRelu(e, "aspp_pool_conv", "aspp_pool", map[0], width, 1, 1);
            e.vertex("aspp_pool_up", new BilinearResizeVertex((int) map[1], (int) map[2]), "aspp_pool_conv_bn");
            branches.add("aspp_pool_up");
            e.vertex("aspp_cat", new MergeVertex(), branches.toArray(new String[0]));
            HeadParts.convBnRelu(e, "aspp_project", "aspp_cat", (long) width * branches.size(), width, 1, 1);
            HeadParts.fcnBlock(e, "head", "logits", "aspp_project_bn", width, width, config);
        }, "logits");
        return new SegmentationNet(g, Map.of(Taps.FEAT, DECODER));
    }
}
