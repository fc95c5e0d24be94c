package dev.adm.core.engine;

import com.google.common.base.Preconditions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One method's losses as one SameDiff graph over the networks' tensors, and their evaluation: every term, each
 * network's total, and the gradient of each trained network's total with respect to its tensors. The method
 * defines its losses once, when the graph is built, in a {@link LossScope}.
 *
 * <p>Every tensor enters twice, as a differentiable input and as a stop-gradient one ({@code sg(.)} in
 * docs/methods.md, and how a peer's tensors enter a loss); a frozen network's tensors only as the latter. The
 * {@link DistillationEngine} feeds it the tensors of its forward passes; {@code adm loss} feeds it tensors read
 * from {@code .npy} files, so both evaluate the same graph.
 *
 * <pre>{@code
 * LossGraph graph = new LossGraph(method, signatures, new long[]{10}, false, DataType.FLOAT, "");
 * LossGraph.Evaluation e = graph.evaluate(graph.feed(tensorsByNetwork, oneHotLabels, Map.of()), true);
 * }</pre>
 */
public final class LossGraph {
    private final DistillationMethod method;
    private final LossGraphScope graph;

    /**
     * Builds the graph: the method defines its losses here, once.
     *
     * @param networks           every network, in engine order ({@link NetworkRef#index()} = position)
     * @param labelShape         per sample: one-hot {@code [K]} or {@code [K,H,W]}, or any shape of regression targets
     * @param targets            whether the labels are regression targets ({@link LossScope#regressionTargets()})
     * @param dataType           the type every tensor is fed in
     * @param missingNetworkHint appended to the error when the method lacks a network of a role (how to give one)
     */
    public LossGraph(DistillationMethod method, List<? extends NetworkSignature> networks, long[] labelShape,
                     boolean targets, DataType dataType, String missingNetworkHint) {
        this.method = Preconditions.checkNotNull(method, "method");
        checkLabels(method, labelShape, targets);
        this.graph = new LossGraphScope(method, networks, labelShape, targets, dataType, missingNetworkHint);
        method.defineLosses(graph);
        graph.finish();
    }

    /** Fails, naming both, unless the method's losses are defined on labels of this kind. */
    static void checkLabels(DistillationMethod method, long[] labelShape, boolean targets) {
        LabelKind kind = LabelKind.of(labelShape, targets);
        Preconditions.checkArgument(method.labelKinds().contains(kind), "%s is defined on %s and does not run on %s",
                method.displayName(), method.labelKinds().stream().map(LabelKind::description)
                        .collect(Collectors.joining(" and ")), kind.description());
    }

    /** The taps of a network the losses read (besides its logits), in the order they were first asked for. */
    public List<String> taps(String network) {
        return List.copyOf(graph.entry(network).taps);
    }

    /** Whether a loss re-applies the network's classifier head ({@link LossScope#classifier}). */
    public boolean readsHead(String network) {
        return graph.entry(network).headWeight != null;
    }

    /** The per-step scalars the method declared ({@link DistillationMethod#stepScalars}). */
    public Set<String> scalars() {
        return Set.copyOf(graph.scalars);
    }

    /** The graph's inputs for one batch, and the arrays made for it (the caller may free them after evaluating). */
    public record Feed(Map<String, INDArray> values, List<INDArray> allocated) {
        /** This feed with the stop-gradient inputs of {@code reference}: the function whose gradient it reports. */
        public Feed withDetachedInputsOf(Feed reference) {
            Map<String, INDArray> v = new HashMap<>(values);
            reference.values.forEach((k, x) -> {
                if (VariableNames.isDetached(k)) {
                    v.put(k, x);
                }
            });
            return new Feed(v, allocated);
        }
    }

    /**
     * The inputs for one batch: every network's tensors ({@code tensors} by network name), the labels and the
     * values of the step's scalars; the precomputed inputs ({@link LossScope#precomputed}) are computed here.
     */
    public Feed feed(Map<String, NetworkTensors> tensors, INDArray labels, Map<String, Double> scalarValues) {
        Map<String, INDArray> values = new HashMap<>();
        List<INDArray> allocated = new ArrayList<>();
        INDArray y = labels.castTo(graph.dataType);
        if (y != labels) {
            allocated.add(y);
        }
        values.put(VariableNames.LABELS, y);
        for (LossGraphScope.FeedSource s : graph.sources) {
            NetworkTensors t = tensors.get(s.network());
            Preconditions.checkArgument(t != null, "no tensors for network '%s'", s.network());
            values.put(s.placeholder(), s.read(t));
        }
        for (LossGraphScope.Precomputed p : graph.precomputed) {
            List<INDArray> args = new ArrayList<>();
            for (LossScope.TapRef r : p.inputs()) {
                NetworkTensors t = tensors.get(r.network().name());
                args.add(graph.entry(r.network()).signature.isLogits(r.tap()) ? t.logits() : t.tap(r.tap()));
            }
            INDArray computed = p.compute().apply(args, y);
            INDArray value = computed.castTo(graph.dataType);
            if (value != computed) {
                allocated.add(computed);
            }
            allocated.add(value);
            values.put(p.placeholder(), value);
        }
        for (String s : graph.scalars) {
            Double v = scalarValues.get(s);
            Preconditions.checkState(v != null, "method '%s' declared scalar '%s' but gave no value for it",
                    method.name(), s);
            INDArray scalar = Nd4j.scalar(graph.dataType, v);
            allocated.add(scalar);
            values.put(s, scalar);
        }
        return new Feed(values, allocated);
    }

    /**
     * What an evaluation produced: the step's loss values and, with gradients, each trained network's
     * {@link NetworkGradients}, with an entry for every tensor it read with gradient (the arrays in
     * {@code allocated}, which the caller may free when done).
     */
    public record Evaluation(StepResult result, Map<String, NetworkGradients> gradients, List<INDArray> allocated) {
    }

    /** Every term, total and update condition; with {@code gradients} also the gradients of every network's total. */
    public Evaluation evaluate(Feed feed, boolean gradients) {
        List<String> outputs = new ArrayList<>(graph.termOutputs.values());
        outputs.addAll(graph.totalOutputs.values());
        graph.networks.stream().filter(e -> e.gate != null).forEach(e -> outputs.add(e.gate));
        Map<String, INDArray> values;
        Map<String, INDArray> grads = Map.of();
        List<INDArray> allocated = new ArrayList<>();
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            // SameDiff caches its arrays between calls: they must never live in a workspace
            if (gradients) {
                var og = graph.sd.calculateGradientsAndOutputs(feed.values(), outputs, graph.gradientInputs);
                values = og.getOutputs();
                grads = og.getGradients();
            } else {
                values = graph.sd.output(feed.values(), outputs);
            }
        }
        Map<String, Double> terms = new LinkedHashMap<>();
        graph.termOutputs.forEach((k, v) -> terms.put(k, values.get(v).getDouble(0)));
        Map<String, Double> totals = new LinkedHashMap<>();
        graph.totalOutputs.forEach((k, v) -> totals.put(k, values.get(v).getDouble(0)));
        Map<String, Boolean> updated = new LinkedHashMap<>();
        Map<String, NetworkGradients> byNetwork = new LinkedHashMap<>();
        for (LossGraphScope.Entry e : graph.networks) {
            NetworkRef ref = e.signature.ref();
            if (!ref.trainable()) {
                continue;
            }
            updated.put(ref.name(), e.gate == null || values.get(e.gate).getDouble(0) > 0);
            if (gradients) {
                INDArray logits = null;
                Map<String, INDArray> taps = new LinkedHashMap<>();
                for (Map.Entry<String, String> d : e.differentiable.entrySet()) {
                    INDArray g = gradient(d.getKey(), grads, feed, allocated);
                    if (d.getValue() == null) {
                        logits = g;
                    } else {
                        taps.put(d.getValue(), g);
                    }
                }
                byNetwork.put(ref.name(), new NetworkGradients(logits, taps,
                        e.headWeight == null ? null : gradient(e.headWeight, grads, feed, allocated),
                        e.headBias == null ? null : gradient(e.headBias, grads, feed, allocated)));
            }
        }
        return new Evaluation(new StepResult(terms, totals, updated), byNetwork, allocated);
    }

    /** The gradient for a differentiable input; zeros when the losses do not depend on it after all. */
    private static INDArray gradient(String input, Map<String, INDArray> grads, Feed feed, List<INDArray> allocated) {
        INDArray g = grads.get(input);
        if (g == null) {
            g = Nd4j.zerosLike(feed.values().get(input));
        }
        allocated.add(g);
        return g;
    }
}
