package dev.adm.models.zoo;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.Taps;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.Map;

/**
 * CIFAR-style ResNet (He et al., 2016, arXiv 1512.03385) as defined in RepDistiller / mdistiller's
 * {@code resnet.py}: a 3x3 stem, three stages of {@code n = (depth - 2) / 6} basic blocks with
 * {@code 16k, 32k, 64k} channels (stride 2 at stages 2 and 3; stem {@code 16k}, or {@code 32k} for the
 * "x4" models whose stages are 64, 128, 256), 1x1-conv + BN shortcuts where the shape changes, global
 * average pooling and a linear classifier. Convolutions have no bias; padding follows PyTorch exactly
 * (explicit, {@link ConvolutionMode#Truncate}).
 *
 * <p>Vertices: {@code stem}; per block {@code s<S>_b<B>_{relu1_conv,relu1_bn,relu1,conv2,bn2,sc_conv,sc_bn,add}} and its
 * output {@code s<S>_b<B>}; each stage's last block output is named {@code stage<S>}; {@code pool};
 * {@code logits} (softmax output layer). Taps: {@code stem}, {@code stage1..3}, {@code stage1..3_preact}
 * (the residual sums before the last ReLU, RepDistiller's {@code preact} features), {@code feat = stage3},
 * {@code pool}, {@code logits}. For 1x28x28 input, {@code feat} is {@code [64k,7,7]}.
 */
public final class CifarResNet implements ModelSpec {
    private final String name;
    private final int depth;
    private final int stemChannels;
    private final int[] stageChannels;

    private CifarResNet(String name, int depth, int stemChannels, int... stageChannels) {
        Preconditions.checkArgument((depth - 2) % 6 == 0, "CIFAR ResNet depth must be 6n+2, got %s", depth);
        this.name = name;
        this.depth = depth;
        this.stemChannels = stemChannels;
        this.stageChannels = stageChannels;
    }

    /** resnet{depth}: stages 16, 32, 64. */
    public static CifarResNet standard(int depth) {
        return new CifarResNet("resnet" + depth, depth, 16, 16, 32, 64);
    }

    /** resnet{depth}x4: stem 32, stages 64, 128, 256. */
    public static CifarResNet wide4(int depth) {
        return new CifarResNet("resnet" + depth + "x4", depth, 32, 64, 128, 256);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return String.format("CIFAR ResNet-%d, %d basic blocks per stage, channels %d/%d/%d", depth, (depth - 2) / 6,
                stageChannels[0], stageChannels[1], stageChannels[2]);
    }

    /** {@code feat} and each stage's pre-activation (the residual sum of its last block, before the ReLU). */
    @Override
    public Map<String, String> tapAliases() {
        int last = (depth - 2) / 6 - 1;
        return Map.of(Taps.FEAT, "stage3", "stage1_preact", "s1_b" + last + "_add", "stage2_preact",
                "s2_b" + last + "_add", "stage3_preact", "s3_b" + last + "_add");
    }

    @Override
    public ComputationGraph build(ModelConfig cfg) {
        GraphBuilder g = ZooGraphs.start(cfg);
        String x = ZooLayers.convBnRelu(g, "stem", "input", cfg.channels(), stemChannels, 3, 1, 1);
        int in = stemChannels;
        int blocks = (depth - 2) / 6;
        for (int s = 0; s < stageChannels.length; s++) {
            for (int b = 0; b < blocks; b++) {
                int stride = (s > 0 && b == 0) ? 2 : 1;
                String out = b == blocks - 1 ? "stage" + (s + 1) : "s" + (s + 1) + "_b" + b;
                x = ZooLayers.basicBlock(g, "s" + (s + 1) + "_b" + b, out, x, in, stageChannels[s], stride);
                in = stageChannels[s];
            }
        }
        ZooLayers.head(g, x, in, cfg.numClasses());
        return ZooGraphs.init(g);
    }
}
