package dev.adm.models.run;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.Participant;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An exponential moving average (EMA) of every trained network's parameters, as DDPM evaluates and samples with:
 * after step {@code t} (from 0) {@code avg = d_t * avg + (1 - d_t) * params}, starting from the initial parameters,
 * with the warm-up of TensorFlow's {@code ExponentialMovingAverage} and diffusers' {@code EMAModel},
 * {@code d_t = min(decay, (1 + t) / (10 + t))}: without it a short run's average would keep {@code decay^steps} of the
 * random initial weights (15% after 1,875 steps of 0.999). It lives in the checkpoint, and {@code t} follows from the
 * steps the run has taken, so a resumed run's average is the uninterrupted run's. Scoring runs on the averages
 * ({@link #applied}); when training ends they replace the trained parameters ({@link #install}), so the exported
 * networks, and what a task samples or scores at the end, are the averages. Batch norm's running statistics are
 * parameters in DL4J, so they are averaged too.
 */
public final class WeightAverage {
    private final double decay;
    private final Map<String, INDArray> averages;
    private long step; // the steps averaged so far

    private WeightAverage(double decay, Map<String, INDArray> averages, long step) {
        this.decay = decay;
        this.averages = averages;
        this.step = step;
    }

    /**
     * The average of the engine's trained networks after {@code stepsTaken} training steps: {@code restored} (from a
     * checkpoint) where it has one, else the networks' current parameters.
     */
    public static WeightAverage start(double decay, DistillationEngine engine, Map<String, INDArray> restored,
                                      long stepsTaken) {
        Preconditions.checkArgument(decay > 0 && decay < 1, "the EMA decay must be in (0, 1), got %s", decay);
        Preconditions.checkArgument(stepsTaken >= 0, "steps taken must be >= 0, got %s", stepsTaken);
        Map<String, INDArray> averages = new LinkedHashMap<>();
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            for (Participant p : engine.participants()) {
                if (!p.trainable()) {
                    continue;
                }
                INDArray params = p.graph().params();
                INDArray from = restored.get(p.name());
                Preconditions.checkArgument(from == null || from.length() == params.length(), "the checkpoint's "
                        + "average of '%s' has %s values, the network %s", p.name(), from == null ? 0 : from.length(),
                        params.length());
                averages.put(p.name(), (from != null ? from : params).dup().reshape(params.length()));
            }
        }
        return new WeightAverage(decay, averages, stepsTaken);
    }

    /** The decay of step {@code t} (from 0): {@code min(decay, (1 + t) / (10 + t))}. */
    public static double decayAt(double decay, long t) {
        return Math.min(decay, (1.0 + t) / (10.0 + t));
    }

    /**
     * Moves the averages {@code steps} steps towards the current parameters (the product of those steps' decays at
     * once, as a cluster's averaging round needs).
     */
    public void update(DistillationEngine engine, int steps) {
        double keep = 1;
        for (int i = 0; i < steps; i++) {
            keep *= decayAt(decay, step++);
        }
        double k = keep;
        averages.forEach((name, avg) -> {
            INDArray params = engine.graph(name).params().reshape(avg.length());
            avg.subi(params).muli(k).addi(params); // k * avg + (1 - k) * params, in place
        });
    }

    /** The averages by network name (for the checkpoint; live arrays, not copies). */
    public Map<String, INDArray> averages() {
        return java.util.Collections.unmodifiableMap(averages);
    }

    /** Runs {@code work} with the averages in place of the trained parameters, which come back afterwards. */
    public <T> T applied(DistillationEngine engine, Supplier<T> work) {
        Map<String, INDArray> trained = new LinkedHashMap<>();
        averages.keySet().forEach(name -> trained.put(name, engine.graph(name).params().dup()));
        try {
            install(engine);
            return work.get();
        } finally {
            trained.forEach((name, p) -> engine.graph(name).params().assign(p));
        }
    }

    /** Writes the averages into the networks' parameters (in place, so copies sharing them see them too). */
    public void install(DistillationEngine engine) {
        averages.forEach((name, avg) -> engine.graph(name).params().assign(avg.reshape(engine.graph(name).params()
                .shape())));
    }
}
