package dev.adm.models.zoo;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.Taps;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.Map;

/**
 * Wide ResNet WRN-d-k (Zagoruyko and Komodakis, 2016, arXiv 1605.07146) as in RepDistiller's {@code wrn.py}:
 * a 3x3 conv to 16 channels, three stages of {@code n = (d - 4) / 6} pre-activation blocks with
 * {@code 16k, 32k, 64k} channels (stride 2 at stages 2 and 3), BN-ReLU, global average pooling, linear head.
 * Pre-activation block: {@code BN-ReLU-conv3x3(s)-BN-ReLU-conv3x3}, added to the input, or, when the
 * width changes, to a 1x1 conv (stride s) of the block's activated input. No dropout (RepDistiller's default).
 *
 * <p>Vertices and taps: {@code stem} (first conv), {@code stage1..3} (stage sums), {@code stage1..3_preact}
 * (the batch norm applied next to each stage's sum, as RepDistiller's {@code preact} features), {@code feat}
 * (the final BN-ReLU: the last map before pooling), {@code pool}, {@code logits}.
 */
final class WideResNet implements ModelSpec {
    private final int depth;
    private final int widen;

    WideResNet(int depth, int widen) {
        Preconditions.checkArgument((depth - 4) % 6 == 0, "WRN depth must be 6n+4, got %s", depth);
        this.depth = depth;
        this.widen = widen;
    }

    @Override
    public String name() {
        return "wrn_" + depth + "_" + widen;
    }

    @Override
    public String description() {
        return String.format("Wide ResNet-%d-%d (pre-activation), channels %d/%d/%d", depth, widen, 16 * widen,
                32 * widen, 64 * widen);
    }

    /** Pre-activations as RepDistiller exposes them: the batch norm that next reads each stage's sum. */
    @Override
    public Map<String, String> tapAliases() {
        return Map.of("stage1_preact", "s2_b0_bn1", "stage2_preact", "s3_b0_bn1", "stage3_preact", "final_bn");
    }

    @Override
    public ComputationGraph build(ModelConfig cfg) {
        GraphBuilder g = ZooGraphs.start(cfg);
        String x = ZooLayers.conv(g, "stem", "input", cfg.channels(), 16, 3, 1, 1, false);
        int in = 16;
        int blocks = (depth - 4) / 6;
        int[] widths = {16 * widen, 32 * widen, 64 * widen};
        for (int s = 0; s < 3; s++) {
            for (int b = 0; b < blocks; b++) {
                int stride = (s > 0 && b == 0) ? 2 : 1;
                String p = "s" + (s + 1) + "_b" + b;
                x = block(g, p, b == blocks - 1 ? "stage" + (s + 1) : p, x, in, widths[s], stride);
                in = widths[s];
            }
        }
        ZooLayers.bn(g, "final_bn", x, in);
        ZooLayers.relu(g, Taps.FEAT, "final_bn");
        ZooLayers.head(g, Taps.FEAT, in, cfg.numClasses());
        return ZooGraphs.init(g);
    }

    private static String block(GraphBuilder g, String p, String out, String input, int in, int planes, int stride) {
        ZooLayers.bn(g, p + "_bn1", input, in);
        String activated = ZooLayers.relu(g, p + "_relu1", p + "_bn1");
        ZooLayers.conv(g, p + "_conv1", activated, in, planes, 3, stride, 1, false);
        ZooLayers.bn(g, p + "_bn2", p + "_conv1", planes);
        ZooLayers.relu(g, p + "_relu2", p + "_bn2");
        ZooLayers.conv(g, p + "_conv2", p + "_relu2", planes, planes, 3, 1, 1, false);
        String shortcut = in == planes ? input
                : ZooLayers.conv(g, p + "_sc_conv", activated, in, planes, 1, stride, 0, false);
        return ZooLayers.add(g, out, p + "_conv2", shortcut);
    }
}
