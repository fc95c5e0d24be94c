package dev.adm.models.zoo;

import dev.adm.core.engine.Taps;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.Map;

/**
 * Four-stage ResNets (He et al., 2016, arXiv 1512.03385): torchvision's ImageNet ResNet-18/34/50
 * (7x7 stride-2 stem, 3x3 stride-2 max pooling) and RepDistiller's CIFAR ResNet-50 ({@code resnetv2.py}:
 * 3x3 stride-1 stem, no max pooling). Stages of 64/128/256/512 planes with strides 1/2/2/2; basic blocks
 * (expansion 1) or bottlenecks (expansion 4, stride on the 3x3 as torchvision v1.5).
 *
 * <p>Vertices and taps: {@code stem} (stem ReLU), {@code stage1..4}, {@code stage1..4_preact} (the last
 * block's residual sum before its ReLU), {@code feat = stage4}, {@code pool}, {@code logits}.
 */
final class ResNet implements ModelSpec {
    private final String name;
    private final boolean imagenetStem;
    private final boolean bottleneck;
    private final int[] blocks;

    private ResNet(String name, boolean imagenetStem, boolean bottleneck, int... blocks) {
        this.name = name;
        this.imagenetStem = imagenetStem;
        this.bottleneck = bottleneck;
        this.blocks = blocks;
    }

    static ResNet imagenet18() {
        return new ResNet("resnet18_imagenet", true, false, 2, 2, 2, 2);
    }

    static ResNet imagenet34() {
        return new ResNet("resnet34_imagenet", true, false, 3, 4, 6, 3);
    }

    static ResNet imagenet50() {
        return new ResNet("resnet50_imagenet", true, true, 3, 4, 6, 3);
    }

    static ResNet cifar50() {
        return new ResNet("resnet50", false, true, 3, 4, 6, 3);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return (imagenetStem ? "ImageNet" : "CIFAR") + " ResNet, " + (bottleneck ? "bottleneck" : "basic")
                + " blocks " + java.util.Arrays.toString(blocks) + (imagenetStem ? " (torchvision)" : " (RepDistiller)");
    }

    /** {@code feat} and each stage's pre-activation (the last block's residual sum, before its ReLU). */
    @Override
    public Map<String, String> tapAliases() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put(Taps.FEAT, "stage4");
        for (int s = 0; s < 4; s++) {
            m.put("stage" + (s + 1) + "_preact", "s" + (s + 1) + "_b" + (blocks[s] - 1) + "_add");
        }
        return m;
    }

    @Override
    public ComputationGraph build(ModelConfig cfg) {
        GraphBuilder g = ZooGraphs.start(cfg);
        String x;
        if (imagenetStem) {
            x = ZooLayers.convBnRelu(g, "stem", "input", cfg.channels(), 64, 7, 2, 3);
            g.addLayer("stem_pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(3, 3)
                    .stride(2, 2).padding(1, 1).build(), x);
            x = "stem_pool";
        } else {
            x = ZooLayers.convBnRelu(g, "stem", "input", cfg.channels(), 64, 3, 1, 1);
        }
        int in = 64;
        int expansion = bottleneck ? 4 : 1;
        for (int s = 0; s < 4; s++) {
            int planes = 64 << s;
            for (int b = 0; b < blocks[s]; b++) {
                int stride = (s > 0 && b == 0) ? 2 : 1;
                String p = "s" + (s + 1) + "_b" + b;
                String out = b == blocks[s] - 1 ? "stage" + (s + 1) : p;
                x = bottleneck ? ZooLayers.bottleneck(g, p, out, x, in, planes, stride)
                        : ZooLayers.basicBlock(g, p, out, x, in, planes, stride);
                in = planes * expansion;
            }
        }
        ZooLayers.head(g, x, in, cfg.numClasses());
        return ZooGraphs.init(g);
    }
}
