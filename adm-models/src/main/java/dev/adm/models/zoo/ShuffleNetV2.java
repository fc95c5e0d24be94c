package dev.adm.models.zoo;

import dev.adm.core.engine.Taps;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;

import java.util.Map;

/**
 * ShuffleNetV2 (Ma et al., 2018, arXiv 1807.11164) as in RepDistiller's {@code ShuffleNetv2.py}
 * ({@code ShuffleV2}, net size 1): a 1x1 conv to 24 channels + BN + ReLU, three stages of one
 * down-sampling block and 3/7/3 basic blocks with 116/232/464 channels, a 1x1 conv to 1024 + BN + ReLU,
 * global average pooling (the reference's 4x4 pool on a 4x4 map), linear head. Basic block: keep the first
 * half of the channels, send the second through 1x1-BN-ReLU, depthwise 3x3-BN, 1x1-BN-ReLU, concatenate,
 * shuffle (2 groups). Down block: left depthwise 3x3 s2-BN, 1x1-BN-ReLU; right 1x1-BN-ReLU, depthwise
 * 3x3 s2-BN, 1x1-BN-ReLU; concatenate, shuffle. No biases.
 *
 * <p>Taps: {@code stem}, {@code stage1..3} (stage outputs, after the shuffle; RepDistiller's pre-activation
 * variant, a concatenation nothing else reads, is not built: DL4J rejects dangling vertices), {@code feat} (the final
 * 1x1 conv's ReLU), {@code pool}, {@code logits}. The split and shuffle are this module's
 * {@link ChannelSliceVertex} and {@link ChannelShuffleVertex}, so a saved ShuffleNet needs adm-models to load.
 */
final class ShuffleNetV2 implements ModelSpec {
    private static final int[] OUT = {116, 232, 464, 1024};
    private static final int[] BLOCKS = {3, 7, 3};

    @Override
    public String name() {
        return "shufflenet_v2";
    }

    @Override
    public String description() {
        return "ShuffleNetV2 1x for CIFAR, stages 116/232/464 (RepDistiller ShuffleV2)";
    }

    @Override
    public Map<String, String> tapAliases() {
        return Map.of();
    }


    @Override
    public ComputationGraph build(ModelConfig cfg) {
        GraphBuilder g = ZooGraphs.start(cfg);
        String x = ZooLayers.convBnRelu(g, "stem", "input", cfg.channels(), 24, 1, 1, 0);
        int in = 24;
        for (int s = 0; s < 3; s++) {
            x = downBlock(g, "s" + (s + 1) + "_down", x, in, OUT[s]);
            in = OUT[s];
            for (int b = 0; b < BLOCKS[s]; b++) {
                String p = "s" + (s + 1) + "_b" + b;
                x = basicBlock(g, p, b == BLOCKS[s] - 1 ? "stage" + (s + 1) : p, x, in);
            }
        }
        ZooLayers.conv(g, "feat_conv", x, in, OUT[3], 1, 1, 0, false);
        ZooLayers.bn(g, "feat_bn", "feat_conv", OUT[3]);
        ZooLayers.relu(g, Taps.FEAT, "feat_bn");
        ZooLayers.head(g, Taps.FEAT, OUT[3], cfg.numClasses());
        return ZooGraphs.init(g);
    }

    private static String depthwise(GraphBuilder g, String name, String input, int channels, int stride) {
        g.addLayer(name + "_conv", new DepthwiseConvolution2D.Builder(3, 3).stride(stride, stride).padding(1, 1)
                .nIn(channels).depthMultiplier(1).hasBias(false).activation(Activation.IDENTITY).build(), input);
        return ZooLayers.bn(g, name, name + "_conv", channels);
    }

    private static String basicBlock(GraphBuilder g, String p, String out, String input, int channels) {
        int half = channels / 2;
        g.addVertex(p + "_x1", new ChannelSliceVertex(0, half), input);
        g.addVertex(p + "_x2", new ChannelSliceVertex(half, channels), input);
        String y = ZooLayers.convBnRelu(g, p + "_pw1", p + "_x2", half, half, 1, 1, 0);
        y = depthwise(g, p + "_dw", y, half, 1);
        y = ZooLayers.convBnRelu(g, p + "_pw2", y, half, half, 1, 1, 0);
        g.addVertex(p + "_cat", new MergeVertex(), p + "_x1", y);
        g.addVertex(out, new ChannelShuffleVertex(2), p + "_cat");
        return out;
    }

    private static String downBlock(GraphBuilder g, String p, String input, int in, int out) {
        int mid = out / 2;
        String left = depthwise(g, p + "_l_dw", input, in, 2);
        left = ZooLayers.convBnRelu(g, p + "_l_pw", left, in, mid, 1, 1, 0);
        String right = ZooLayers.convBnRelu(g, p + "_r_pw1", input, in, mid, 1, 1, 0);
        right = depthwise(g, p + "_r_dw", right, mid, 2);
        right = ZooLayers.convBnRelu(g, p + "_r_pw2", right, mid, mid, 1, 1, 0);
        g.addVertex(p + "_cat", new MergeVertex(), left, right);
        g.addVertex(p, new ChannelShuffleVertex(2), p + "_cat");
        return p;
    }
}
