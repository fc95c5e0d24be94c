package dev.adm.models.zoo;

import dev.adm.core.engine.Taps;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.Map;

/**
 * VGG with batch norm for CIFAR (Simonyan and Zisserman, 2014, arXiv 1409.1556) as in RepDistiller's
 * {@code vgg.py}: five blocks of 3x3 conv (with bias) + BN + ReLU, 2x2 max pooling after the first three
 * (and after the fourth only for 64x64 inputs, as the reference's {@code if h == 64}), global average
 * pooling after the fifth, one linear layer from 512 channels. On 32x32 inputs {@code feat} is 512x4x4.
 *
 * <p>Vertices and taps: {@code stage1..5} (each block's last ReLU), {@code stage1..5_preact} (its batch
 * norm before the ReLU), {@code feat = stage5}, {@code pool}, {@code logits}; the max-pool after stage i is
 * {@code maxpool<i>}.
 */
final class Vgg implements ModelSpec {
    private final String name;
    private final int[][] blocks;

    Vgg(String name, int[][] blocks) {
        this.name = name;
        this.blocks = blocks;
    }

    /** Per-block channel lists of RepDistiller's configurations S (vgg8), A (11), B (13), D (16), E (19). */
    static Vgg of(int depth) {
        return switch (depth) {
            case 8 -> new Vgg("vgg8", new int[][]{{64}, {128}, {256}, {512}, {512}});
            case 11 -> new Vgg("vgg11", new int[][]{{64}, {128}, {256, 256}, {512, 512}, {512, 512}});
            case 13 -> new Vgg("vgg13", new int[][]{{64, 64}, {128, 128}, {256, 256}, {512, 512}, {512, 512}});
            case 16 -> new Vgg("vgg16", new int[][]{{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512},
                    {512, 512, 512}});
            case 19 -> new Vgg("vgg19", new int[][]{{64, 64}, {128, 128}, {256, 256, 256, 256},
                    {512, 512, 512, 512}, {512, 512, 512, 512}});
            default -> throw new IllegalArgumentException("no VGG-" + depth + "; have 8, 11, 13, 16, 19");
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        int convs = 0;
        for (int[] b : blocks) {
            convs += b.length;
        }
        return "VGG with batch norm, " + convs + " conv layers in 5 blocks (CIFAR head)";
    }

    /** {@code feat} and each block's pre-activation (its last batch norm, before the ReLU). */
    @Override
    public Map<String, String> tapAliases() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put(Taps.FEAT, "stage5");
        for (int s = 0; s < blocks.length; s++) {
            m.put("stage" + (s + 1) + "_preact", "s" + (s + 1) + "_c" + (blocks[s].length - 1) + "_bn");
        }
        return m;
    }

    @Override
    public ComputationGraph build(ModelConfig cfg) {
        GraphBuilder g = ZooGraphs.start(cfg);
        String x = "input";
        int in = cfg.channels();
        for (int s = 0; s < blocks.length; s++) {
            for (int c = 0; c < blocks[s].length; c++) {
                String p = "s" + (s + 1) + "_c" + c;
                boolean last = c == blocks[s].length - 1;
                ZooLayers.conv(g, p + "_conv", x, in, blocks[s][c], 3, 1, 1, true);
                ZooLayers.bn(g, p + "_bn", p + "_conv", blocks[s][c]);
                x = ZooLayers.relu(g, last ? "stage" + (s + 1) : p, p + "_bn");
                in = blocks[s][c];
            }
            // RepDistiller pools after blocks 1-3 always, after block 4 only for 64x64 inputs (`if h == 64`)
            if (s < blocks.length - 2 || (s == blocks.length - 2 && cfg.height() == 64)) {
                g.addLayer("maxpool" + (s + 1), new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(2, 2).stride(2, 2).build(), x);
                x = "maxpool" + (s + 1);
            }
        }
        ZooLayers.head(g, x, in, cfg.numClasses());
        return ZooGraphs.init(g);
    }
}
