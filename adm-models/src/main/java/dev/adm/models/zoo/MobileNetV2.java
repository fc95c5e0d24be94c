package dev.adm.models.zoo;

import dev.adm.core.engine.Taps;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;

import java.util.Map;

/**
 * MobileNetV2 (Sandler et al., 2018, arXiv 1801.04381) as in RepDistiller's {@code mobilenetv2.py}, the
 * CIFAR variant used in KD papers ({@code mobile_half}: expansion T = 6, width 0.5): a 3x3 stride-2 conv
 * to {@code int(32 w)} channels, inverted-residual stages (t, c, n, s) = (1,16,1,1), (T,24,2,1), (T,32,3,2),
 * (T,64,4,2), (T,96,3,1), (T,160,3,2), (T,320,1,1) with {@code int(c w)} channels, a 1x1 conv to 1280,
 * global average pooling (the reference's 2x2 average pool on a 2x2 map), linear head. Every block,
 * including the t = 1 one, is pw 1x1-BN-ReLU, dw 3x3(s)-BN-ReLU, pw-linear 1x1-BN, plus the input when the
 * stride is 1 and the widths match. Convolutions have no bias.
 *
 * <p>Taps as RepDistiller's features: {@code stem} (f0), {@code stage1..4} = outputs of block groups 1, 2,
 * 4 and 6 (f1..f4), {@code feat} (the 1x1 conv's ReLU, the last map before pooling), {@code pool},
 * {@code logits}.
 */
final class MobileNetV2 implements ModelSpec {
    private static final int[][] SETTING = {{1, 16, 1, 1}, {-1, 24, 2, 1}, {-1, 32, 3, 2}, {-1, 64, 4, 2},
            {-1, 96, 3, 1}, {-1, 160, 3, 2}, {-1, 320, 1, 1}};
    /** Which block groups end a tap stage (RepDistiller's f1..f4). */
    private static final Map<Integer, String> STAGE_ENDS = Map.of(1, "stage1", 2, "stage2", 4, "stage3", 6, "stage4");

    private final String name;
    private final int expansion;
    private final double width;

    MobileNetV2(String name, int expansion, double width) {
        this.name = name;
        this.expansion = expansion;
        this.width = width;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return "MobileNetV2 for CIFAR, expansion " + expansion + ", width " + width + " (RepDistiller)";
    }

    @Override
    public Map<String, String> tapAliases() {
        return Map.of();
    }

    @Override
    public ComputationGraph build(ModelConfig cfg) {
        GraphBuilder g = ZooGraphs.start(cfg);
        int in = (int) (32 * width);
        String x = ZooLayers.convBnRelu(g, "stem", "input", cfg.channels(), in, 3, 2, 1);
        for (int group = 0; group < SETTING.length; group++) {
            int t = SETTING[group][0] < 0 ? expansion : SETTING[group][0];
            int out = (int) (SETTING[group][1] * width);
            int n = SETTING[group][2];
            for (int i = 0; i < n; i++) {
                int stride = i == 0 ? SETTING[group][3] : 1;
                String p = "g" + group + "_b" + i;
                String blockOut = i == n - 1 && STAGE_ENDS.containsKey(group) ? STAGE_ENDS.get(group) : p;
                x = invertedResidual(g, p, blockOut, x, in, out, stride, t);
                in = out;
            }
        }
        int last = width > 1.0 ? (int) (1280 * width) : 1280;
        ZooLayers.conv(g, "feat_conv", x, in, last, 1, 1, 0, false);
        ZooLayers.bn(g, "feat_bn", "feat_conv", last);
        ZooLayers.relu(g, Taps.FEAT, "feat_bn");
        ZooLayers.head(g, Taps.FEAT, last, cfg.numClasses());
        return ZooGraphs.init(g);
    }

    private static String invertedResidual(GraphBuilder g, String p, String out, String input, int in, int planes,
                                           int stride, int t) {
        int hidden = in * t;
        String x = ZooLayers.convBnRelu(g, p + "_pw", input, in, hidden, 1, 1, 0);
        g.addLayer(p + "_dw_conv", new DepthwiseConvolution2D.Builder(3, 3).stride(stride, stride).padding(1, 1)
                .nIn(hidden).depthMultiplier(1).hasBias(false).activation(Activation.IDENTITY).build(), x);
        ZooLayers.bn(g, p + "_dw_bn", p + "_dw_conv", hidden);
        ZooLayers.relu(g, p + "_dw", p + "_dw_bn");
        ZooLayers.conv(g, p + "_pwl_conv", p + "_dw", hidden, planes, 1, 1, 0, false);
        boolean residual = stride == 1 && in == planes;
        String bn = ZooLayers.bn(g, residual ? p + "_pwl_bn" : out, p + "_pwl_conv", planes);
        return residual ? ZooLayers.add(g, out, bn, input) : bn;
    }
}
