package dev.adm.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The gradient of one trained network's total loss with respect to its tensors: its logits, its taps and its
 * classifier head: an entry for every tensor the losses read with gradient (zeros where they turn out not to
 * depend on it), null, or absent for a tap, for one they read detached only.
 */
public record NetworkGradients(INDArray logits, Map<String, INDArray> taps, INDArray headWeight, INDArray headBias) {
    public NetworkGradients {
        taps = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(taps));
    }
}
