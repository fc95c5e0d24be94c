package dev.adm.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The gradient of one trained network's total loss with respect to its tensors: its logits, its taps and its
 * classifier head (an entry is null, or absent for a tap, when the loss does not depend on it).
 */
public record NetworkGradients(INDArray logits, Map<String, INDArray> taps, INDArray headWeight, INDArray headBias) {
    public NetworkGradients {
        taps = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(taps));
    }
}
