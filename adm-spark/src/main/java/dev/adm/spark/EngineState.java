package dev.adm.spark;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.Participant;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What changes while an engine trains: every trainable network's parameters, updater state and iteration and
 * epoch counts. Frozen networks are not part of it (the {@link EngineBlueprint} carries them once). Averaging the
 * states of several workers ({@link #average}) is the parameter-averaging rule of DL4J's Spark training, with
 * each worker weighted by the examples it trained on.
 */
public final class EngineState implements Serializable {
    private static final long serialVersionUID = 1L;

    private final LinkedHashMap<String, NetworkState> networks;

    /** One network's state; arrays as ND4J's byte form, so they travel without ND4J's Java serialisation. */
    record NetworkState(byte[] params, byte[] updater, int iterations, int epochs) implements Serializable {
        INDArray paramArray() {
            return fromBytes(params);
        }

        INDArray updaterArray() {
            return updater == null ? null : fromBytes(updater);
        }
    }

    private EngineState(Map<String, NetworkState> networks) {
        this.networks = new LinkedHashMap<>(networks);
    }

    /** The state of every trainable network of {@code engine}. */
    public static EngineState of(DistillationEngine engine) {
        Map<String, NetworkState> states = new LinkedHashMap<>();
        for (Participant p : engine.participants()) {
            if (p.trainable()) {
                ComputationGraph g = p.graph();
                INDArray updater = g.getUpdater().getStateViewArray();
                ComputationGraphConfiguration conf = g.getConfiguration();
                states.put(p.name(), new NetworkState(toBytes(g.params()),
                        updater == null ? null : toBytes(updater), conf.getIterationCount(),
                        conf.getEpochCount()));
            }
        }
        return new EngineState(states);
    }

    /** Copies this state into the networks of {@code engine} (built from the same blueprint). */
    public void applyTo(DistillationEngine engine) {
        for (Participant p : engine.participants()) {
            if (!p.trainable()) {
                continue;
            }
            NetworkState s = networks.get(p.name());
            Preconditions.checkArgument(s != null, "the state has no network '%s'; it has %s", p.name(),
                    networks.keySet());
            ComputationGraph g = p.graph();
            g.params().assign(s.paramArray());
            INDArray updater = g.getUpdater().getStateViewArray();
            if (updater != null) {
                updater.assign(s.updaterArray());
            }
            g.getConfiguration().setIterationCount(s.iterations());
            g.getConfiguration().setEpochCount(s.epochs());
        }
    }

    /** The bytes of its arrays: what one worker receives, and sends back, per averaging round. */
    public long bytes() {
        return networks.values().stream().mapToLong(n -> n.params().length
                + (n.updater() == null ? 0 : n.updater().length)).sum();
    }

    /** The networks this state holds, by name. */
    public java.util.Set<String> networks() {
        return networks.keySet();
    }

    /** A network's parameters (a new array). */
    public INDArray params(String network) {
        NetworkState s = networks.get(network);
        Preconditions.checkArgument(s != null, "no network '%s' in the state; it has %s", network, networks.keySet());
        return s.paramArray();
    }

    /**
     * The weighted mean of several workers' states: parameters and updater state of every network averaged with
     * weights {@code examples} (the examples each worker trained on), iteration and epoch counts the largest.
     */
    public static EngineState average(List<EngineState> states, List<Long> examples) {
        Preconditions.checkArgument(!states.isEmpty() && states.size() == examples.size(),
                "need one example count per state, got %s states and %s counts", states.size(), examples.size());
        if (states.size() == 1) {
            return states.get(0);
        }
        double total = examples.stream().mapToLong(Long::longValue).sum();
        Preconditions.checkArgument(total > 0, "the workers trained on no examples");
        Map<String, NetworkState> averaged = new LinkedHashMap<>();
        for (String name : states.get(0).networks.keySet()) {
            INDArray params = null;
            INDArray updater = null;
            int iterations = 0;
            int epochs = 0;
            for (int i = 0; i < states.size(); i++) {
                NetworkState s = states.get(i).networks.get(name);
                Preconditions.checkArgument(s != null, "worker %s sent no state for network '%s'", i, name);
                double w = examples.get(i) / total;
                params = accumulate(params, s.paramArray(), w);
                updater = s.updater() == null ? null : accumulate(updater, s.updaterArray(), w);
                iterations = Math.max(iterations, s.iterations());
                epochs = Math.max(epochs, s.epochs());
            }
            averaged.put(name, new NetworkState(toBytes(params),
                    updater == null ? null : toBytes(updater), iterations, epochs));
        }
        return new EngineState(averaged);
    }

    static byte[] toBytes(INDArray array) {
        try {
            return Nd4j.toByteArray(array);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise an array", e);
        }
    }

    static INDArray fromBytes(byte[] bytes) {
        return Nd4j.fromByteArray(bytes);
    }

    private static INDArray accumulate(INDArray sum, INDArray value, double weight) {
        return sum == null ? value.muli(weight) : sum.addi(value.muli(weight));
    }
}
