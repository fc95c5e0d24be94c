package dev.adm.models.zoo;

import dev.adm.core.engine.Taps;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;

import java.util.Map;

/**
 * ShuffleNet (Zhang et al., 2018, arXiv 1707.01083) as in RepDistiller's {@code ShuffleNetv1.py}
 * ({@code ShuffleV1}: 3 groups, stages of 240/480/960 channels with 4/8/4 bottlenecks): a 1x1 conv to 24
 * channels + BN + ReLU, then per bottleneck a grouped 1x1 conv to a quarter of the width + BN + ReLU,
 * channel shuffle, depthwise 3x3 (stride 2 in a stage's first block) + BN + ReLU, grouped 1x1 conv + BN; the
 * shortcut is the input (sum) or, in first blocks, a 3x3 stride-2 average pool (concatenated, padding
 * counted as PyTorch does); a ReLU follows. The very first grouped conv (24 input channels) is ungrouped.
 * Global average pooling (the reference's 4x4 pool on a 4x4 map) and a linear head follow stage 3.
 *
 * <p>Grouped convolutions are built as one convolution per group on {@link ChannelSliceVertex} slices,
 * merged in group order (the same weights, the same outputs as a grouped conv). Taps: {@code stem},
 * {@code stage1..3}, {@code stage1..3_preact}, {@code feat = stage3}, {@code pool}, {@code logits}.
 */
final class ShuffleNetV1 implements ModelSpec {
    private static final int[] OUT = {240, 480, 960};
    private static final int[] BLOCKS = {4, 8, 4};
    private static final int GROUPS = 3;

    @Override
    public String name() {
        return "shufflenet_v1";
    }

    @Override
    public String description() {
        return "ShuffleNet (v1) for CIFAR, 3 groups, stages 240/480/960 (RepDistiller ShuffleV1)";
    }

    @Override
    public Map<String, String> tapAliases() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put(Taps.FEAT, "stage3");
        for (int s = 0; s < 3; s++) {
            m.put("stage" + (s + 1) + "_preact", "s" + (s + 1) + "_b" + (BLOCKS[s] - 1) + "_preact");
        }
        return m;
    }

    @Override
    public ComputationGraph build(ModelConfig cfg) {
        GraphBuilder g = ZooGraphs.start(cfg);
        String x = ZooLayers.convBnRelu(g, "stem", "input", cfg.channels(), 24, 1, 1, 0);
        int in = 24;
        for (int s = 0; s < 3; s++) {
            for (int b = 0; b < BLOCKS[s]; b++) {
                String p = "s" + (s + 1) + "_b" + b;
                int stride = b == 0 ? 2 : 1;
                int out = b == 0 ? OUT[s] - in : OUT[s];
                x = bottleneck(g, p, b == BLOCKS[s] - 1 ? "stage" + (s + 1) : p, x, in, out, stride);
                in = OUT[s];
            }
        }
        ZooLayers.head(g, x, in, cfg.numClasses());
        return ZooGraphs.init(g);
    }

    private static String bottleneck(GraphBuilder g, String p, String out, String input, int in, int planes,
                                     int stride) {
        int mid = planes / 4;
        int firstGroups = in == 24 ? 1 : GROUPS;
        String x = groupedConv(g, p + "_conv1", input, in, mid, firstGroups);
        ZooLayers.bn(g, p + "_bn1", x, mid);
        x = ZooLayers.relu(g, p + "_relu1", p + "_bn1");
        if (firstGroups > 1) {
            g.addVertex(p + "_shuffle", new ChannelShuffleVertex(firstGroups), x);
            x = p + "_shuffle";
        }
        g.addLayer(p + "_conv2", new DepthwiseConvolution2D.Builder(3, 3).stride(stride, stride).padding(1, 1)
                .nIn(mid).depthMultiplier(1).hasBias(false).activation(Activation.IDENTITY).build(), x);
        ZooLayers.bn(g, p + "_bn2", p + "_conv2", mid);
        x = ZooLayers.relu(g, p + "_relu2", p + "_bn2");
        x = groupedConv(g, p + "_conv3", x, mid, planes, GROUPS);
        String branch = ZooLayers.bn(g, p + "_bn3", x, planes);
        if (stride == 2) {
            g.addLayer(p + "_short", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(3, 3)
                    .stride(2, 2).padding(1, 1).avgPoolIncludePadInDivisor(true).build(), input);
            g.addVertex(p + "_preact", new MergeVertex(), branch, p + "_short");
        } else {
            ZooLayers.add(g, p + "_preact", branch, input);
        }
        return ZooLayers.relu(g, out, p + "_preact");
    }

    /** A 1x1 convolution with {@code groups} groups: one convolution per channel slice, merged in order. */
    private static String groupedConv(GraphBuilder g, String name, String input, int in, int out, int groups) {
        if (groups == 1) {
            return ZooLayers.conv(g, name, input, in, out, 1, 1, 0, false);
        }
        String[] parts = new String[groups];
        for (int k = 0; k < groups; k++) {
            String slice = name + "_in" + k;
            g.addVertex(slice, new ChannelSliceVertex(k * in / groups, (k + 1) * in / groups), input);
            parts[k] = ZooLayers.conv(g, name + "_g" + k, slice, in / groups, out / groups, 1, 1, 0, false);
        }
        g.addVertex(name, new MergeVertex(), parts);
        return name;
    }
}
