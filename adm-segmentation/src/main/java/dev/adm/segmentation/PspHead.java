package dev.adm.segmentation;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.GraphEdits;
import dev.adm.core.engine.GraphSurgery;
import dev.adm.core.engine.Taps;
import dev.adm.models.zoo.BilinearResizeVertex;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelSpec;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A PSPNet head (Zhao et al., CVPR 2017) on a zoo backbone: the pyramid pooling module averages the {@code feat}
 * map over {@code b x b} bins for each pyramid level {@code b}, reduces each to a quarter of the channels (1x1 conv
 * + BN + ReLU), resizes them back bilinearly and concatenates them with the map; then the FCN block of
 * {@link HeadParts#fcnBlock} (decoder map {@code feat}, upsampling, 1x1 classifier). PSPNet's levels (1, 2, 3, 6)
 * suit 60x60 maps; the default keeps the levels among (1, 2, 4, 8) that divide the small maps here exactly.
 */
public final class PspHead {
    private static final int[] LEVELS = {1, 2, 4, 8};

    private PspHead() {
    }

    public static SegmentationNet build(ModelSpec backbone, ModelConfig config) {
        return build(backbone, config, null);
    }

    /** @param levels bins per side of each pyramid level, each dividing the map; null = the default */
    public static SegmentationNet build(ModelSpec backbone, ModelConfig config, int[] levels) {
        ComputationGraph classifier = backbone.build(config);
        InputType input = InputType.convolutional(config.height(), config.width(), config.channels());
        String feat = backbone.tapAliases().getOrDefault(Taps.FEAT, Taps.FEAT);
        long[] map = GraphSurgery.activationShape(classifier, input, feat);
        int[] bins = levels != null ? levels.clone()
                : IntStream.of(LEVELS).filter(b -> map[1] % b == 0 && map[2] % b == 0 && b <= Math.min(map[1], map[2]))
                .toArray();
        for (int b : bins) {
            Preconditions.checkArgument(b >= 1 && map[1] % b == 0 && map[2] % b == 0, "psp: pyramid level %s does "
                    + "not divide the %sx%s feature map; pick levels that do", b, map[1], map[2]);
        }
        long reduced = Math.max(8, map[0] / 4);
        long width = Math.max(16, map[0] / 4);
        ComputationGraph g = GraphEdits.replaceHead(classifier, "logits", List.of("logits", "pool"), input, e -> {
            List<String> branches = new ArrayList<>(List.of(feat));
            for (int b : bins) {
                String name = "psp_" + b;
                int kh = (int) map[1] / b;
                int kw = (int) map[2] / b;
                e.layer(name + "_pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG)
                        .kernelSize(kh, kw).stride(kh, kw).convolutionMode(ConvolutionMode.Truncate).build(), feat);
                HeadParts.convBnRelu(e, name, name + "_pool", map[0], reduced, 1, 1);
                e.vertex(name + "_up", new BilinearResizeVertex((int) map[1], (int) map[2]), name + "_bn");
                branches.add(name + "_up");
            }
            e.vertex("psp_cat", new MergeVertex(), branches.toArray(new String[0]));
            HeadParts.fcnBlock(e, "head", "logits", "psp_cat", map[0] + reduced * bins.length, width, config);
        }, "logits");
        return new SegmentationNet(g, Map.of(Taps.FEAT, FcnHead.DECODER));
    }
}
