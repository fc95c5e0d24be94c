package dev.adm.core.engine;

import java.util.Map;

/**
 * A distillation method: it states its losses once, in SameDiff, through a {@link LossScope}; the
 * {@link DistillationEngine} runs them every step. Implementations are small, immutable, registered by
 * name in {@code dev.adm.core.methods.MethodRegistry}, and know nothing about model classes.
 */
public interface DistillationMethod {
    /** The registry name, lower-case (the CLI's {@code --method} value). */
    String name();

    /** Declares every loss term; called once when the engine is built. Throws on unsuitable networks. */
    void defineLosses(LossScope scope);

    /** Values for the {@link LossScope#scalar} inputs at this step (warm-up factors, ramps). */
    default Map<String, Double> stepScalars(int epoch, long iteration) {
        return Map.of();
    }
}
