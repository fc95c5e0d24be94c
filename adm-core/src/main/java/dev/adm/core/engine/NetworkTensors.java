package dev.adm.core.engine;

import com.google.common.base.Preconditions;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * One network's tensors for one batch, as a {@link LossGraph} reads them: its logits (null when no loss reads
 * them), the taps the method asked for and, when a loss re-applies its classifier, the head's weights
 * ({@code [inputs, classes]}) and bias ({@code [1, classes]}, or null).
 */
public record NetworkTensors(INDArray logits, Map<String, INDArray> taps, INDArray headWeight, INDArray headBias) {
    public NetworkTensors {
        taps = Map.copyOf(taps);
    }

    /** A tapped activation; an error naming the recorded taps when it was not recorded. */
    public INDArray tap(String name) {
        INDArray t = taps.get(name);
        Preconditions.checkArgument(t != null, "no tensor for tap '%s'; recorded taps: %s", name, taps.keySet());
        return t;
    }
}
