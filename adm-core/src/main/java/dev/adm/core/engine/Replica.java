package dev.adm.core.engine;

import com.google.common.collect.ImmutableList;
import dev.adm.core.backend.ConvolutionCache;
import dev.adm.core.backend.Seeds;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ActivationWorkspace;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One copy of every network of a run, with its own loss graph: what computes the losses and gradients of a batch,
 * or of one worker's share of it, without updating anything.
 *
 * <p>The engine's first replica holds the user's networks and their updaters. The others ({@link #copy}) serve the
 * extra worker threads of a data-parallel step: their networks share the first replica's parameter arrays (read
 * only during a step; updates happen between steps) and have their own layers, gradient buffers and loss graph.
 */
final class Replica {
    final ImmutableList<EngineNetwork> networks;
    final LossGraph losses;

    /**
     * What one replica computed on its share of a batch: the losses, the gradients (views into each network's
     * gradient buffer, valid until this replica's next step; none for a network whose update is gated off) and the
     * share's size.
     */
    record Share(StepResult result, Map<String, Gradient> gradients, long size) {
    }

    Replica(List<EngineNetwork> networks, LossGraph losses) {
        this.networks = ImmutableList.copyOf(networks);
        this.losses = losses;
    }

    /**
     * A replica for another thread: each network shares this one's parameters; the losses are defined afresh by
     * {@code losses}, given the copies' signatures.
     */
    Replica copy(Function<List<EngineNetwork>, LossGraph> losses) {
        List<EngineNetwork> copies = new ArrayList<>();
        Map<String, EngineNetwork> byName = new LinkedHashMap<>();
        for (EngineNetwork n : networks) {
            EngineNetwork c = n.sharingParameters(n.source == null ? null : byName.get(n.source.ref.name()));
            copies.add(c);
            byName.put(n.ref.name(), c);
        }
        return new Replica(copies, losses.apply(copies));
    }

    /** Gives every network the iteration and epoch counts of {@code first}'s (what schedules read). */
    void followCounts(Replica first) {
        for (int i = 0; i < networks.size(); i++) {
            var from = first.networks.get(i).graph().getConfiguration();
            var to = networks.get(i).graph().getConfiguration();
            to.setIterationCount(from.getIterationCount());
            to.setEpochCount(from.getEpochCount());
        }
    }

    /**
     * Forward, losses and backward on a share of a batch, with ND4J's generator of this thread restarted from
     * {@code seed}. The networks' activations live in DL4J's activation workspace, as in DL4J's own {@code fit}, so
     * every step reuses the same memory instead of faulting in fresh pages (when any network is configured without
     * workspaces, every network gets fresh arrays); all of them are freed before it returns. A loss or gradient
     * that is not finite stops it ({@link TrainingStoppedException}, naming step {@code step}).
     */
    Share step(INDArray[] features, INDArray labels, Map<String, Double> scalars, long seed, long step, int epoch) {
        Seeds.restart(seed);
        boolean inWorkspace = networks.stream().allMatch(n -> ActivationWorkspace.supported(n.graph()));
        if (inWorkspace) {
            networks.forEach(EngineNetwork::allocateTrainingBuffers);
        }
        List<INDArray> allocated = new ArrayList<>();
        try (MemoryWorkspace activations = inWorkspace ? ActivationWorkspace.open() : null) {
            try {
                DistillationEngine.StepTrace trace = trace(features, labels, scalars, activations, allocated);
                NonFiniteCheck.before(trace, step, epoch);
                return new Share(trace.result(), trace.gradients(), features[0].size(0));
            } finally { // also when the step is refused: the next step starts clean
                release(allocated, features, labels);
                if (activations != null) {
                    // no layer may keep a reference into the workspace once it is closed and reused
                    networks.forEach(n -> n.graph().clearLayersStates());
                }
                networks.forEach(n -> ConvolutionCache.clear(n.graph()));
            }
        }
    }

    /** With {@code activations} open, the trace's arrays are valid only until it is closed. */
    DistillationEngine.StepTrace trace(INDArray[] features, INDArray labels, Map<String, Double> scalars,
                                       MemoryWorkspace activations, List<INDArray> allocated) {
        Map<String, NetworkTensors> tensors = forward(features, activations, allocated);
        LossGraph.Feed feed = losses.feed(tensors, labels, scalars);
        allocated.addAll(feed.allocated());
        LossGraph.Evaluation evaluation = losses.evaluate(feed, true);
        allocated.addAll(evaluation.allocated());
        Map<String, Gradient> gradients = new LinkedHashMap<>();
        for (EngineNetwork n : networks) {
            if (n.ref.trainable() && evaluation.result().updated().get(n.ref.name())) {
                gradients.put(n.ref.name(), n.backward(tensors.get(n.ref.name()),
                        evaluation.gradients().get(n.ref.name()), allocated));
            }
        }
        return new DistillationEngine.StepTrace(evaluation.result(), gradients, tensors, feed);
    }

    Map<String, NetworkTensors> forward(INDArray[] features, MemoryWorkspace activations, List<INDArray> allocated) {
        Map<String, NetworkTensors> tensors = new LinkedHashMap<>();
        for (EngineNetwork n : networks) {
            tensors.put(n.ref.name(), n.forward(features, tensors, activations, allocated));
        }
        return tensors;
    }

    /**
     * Frees the step's activations, error arrays and loss-graph arrays at once. ND4J releases off-heap memory when
     * the garbage collector finds the arrays; until then every step would take fresh pages from the OS (which the
     * kernel zeroes: over a quarter of the CPU time of a training step in a profile). Freed now, the next step
     * reuses the same memory.
     */
    private static void release(List<INDArray> allocated, INDArray[] features, INDArray labels) {
        Set<INDArray> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.addAll(Arrays.asList(features));
        seen.add(labels);
        for (INDArray a : allocated) {
            if (a != null && seen.add(a) && a.closeable()) {
                a.close();
            }
        }
    }
}
