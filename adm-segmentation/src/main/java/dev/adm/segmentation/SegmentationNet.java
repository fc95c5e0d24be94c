package dev.adm.segmentation;

import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.Map;

/**
 * A segmentation network: per-pixel logits at the {@code logits} vertex ({@code [B,K,H,W]}, the input size)
 * and the tap aliases the methods use ({@code feat} = the decoder map).
 */
public record SegmentationNet(ComputationGraph graph, Map<String, String> taps) {
    public SegmentationNet {
        taps = Map.copyOf(taps);
    }
}
