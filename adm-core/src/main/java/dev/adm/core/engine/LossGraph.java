package dev.adm.core.engine;

import com.google.common.base.Preconditions;
import dev.adm.core.ops.GradientFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * One method's losses as one SameDiff graph over the networks' tensors: the {@link LossScope} a method defines its
 * losses in, and their evaluation, with the gradient of each trained network's total with respect to its tensors.
 *
 * <p>Every tensor enters twice, as a differentiable input and as a stop-gradient one ({@code sg(.)} in docs/methods.md, and
 * how a peer's tensors enter a loss); a frozen network's tensors only as the latter. The
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
    private final long[] labelShape;
    private final boolean targets;
    private final DataType dataType;
    private final String missingNetworkHint;
    private final SameDiff sd = SameDiff.create();
    private final List<Entry> networks = new ArrayList<>();
    private final List<FeedSource> sources = new ArrayList<>();
    private final List<Precomputed> precomputed = new ArrayList<>();
    private final Set<String> scalars = new LinkedHashSet<>();
    private final Map<String, String> termOutputs = new LinkedHashMap<>();  // term/network -> variable
    private final Map<String, String> totalOutputs = new LinkedHashMap<>(); // network -> variable
    private final List<String> gradientInputs = new ArrayList<>();

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
        this.labelShape = labelShape.clone();
        this.targets = targets;
        this.dataType = dataType;
        this.missingNetworkHint = missingNetworkHint;
        for (int i = 0; i < networks.size(); i++) {
            Preconditions.checkArgument(networks.get(i).ref().index() == i, "network %s is not at its index",
                    networks.get(i).ref());
            this.networks.add(new Entry(networks.get(i)));
        }
        checkLabels(method, labelShape, targets);
        sd.placeHolder(VariableNames.LABELS, dataType, batched(labelShape));
        method.defineLosses(new Scope());
        finish();
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
        return List.copyOf(entry(network).taps);
    }

    /** Whether a loss re-applies the network's classifier head ({@link LossScope#classifier}). */
    public boolean readsHead(String network) {
        return entry(network).headWeight != null;
    }

    /** The per-step scalars the method declared ({@link DistillationMethod#stepScalars}). */
    public Set<String> scalars() {
        return Set.copyOf(scalars);
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
        INDArray y = labels.castTo(dataType);
        if (y != labels) {
            allocated.add(y);
        }
        values.put(VariableNames.LABELS, y);
        for (FeedSource s : sources) {
            NetworkTensors t = tensors.get(s.network());
            Preconditions.checkArgument(t != null, "no tensors for network '%s'", s.network());
            values.put(s.placeholder(), s.read(t));
        }
        for (Precomputed p : precomputed) {
            List<INDArray> args = new ArrayList<>();
            for (LossScope.TapRef r : p.inputs()) {
                NetworkTensors t = tensors.get(r.network().name());
                args.add(entry(r.network()).signature.isLogits(r.tap()) ? t.logits() : t.tap(r.tap()));
            }
            INDArray value = p.compute().apply(args, y).castTo(dataType);
            allocated.add(value);
            values.put(p.placeholder(), value);
        }
        for (String s : scalars) {
            Double v = scalarValues.get(s);
            Preconditions.checkState(v != null, "method '%s' declared scalar '%s' but gave no value for it",
                    method.name(), s);
            values.put(s, Nd4j.scalar(dataType, v));
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
        List<String> outputs = new ArrayList<>(termOutputs.values());
        outputs.addAll(totalOutputs.values());
        networks.stream().filter(e -> e.gate != null).forEach(e -> outputs.add(e.gate));
        Map<String, INDArray> values;
        Map<String, INDArray> grads = Map.of();
        List<INDArray> allocated = new ArrayList<>();
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            // SameDiff caches its arrays between calls: they must never live in a workspace
            if (gradients) {
                var og = sd.calculateGradientsAndOutputs(feed.values(), outputs, gradientInputs);
                values = og.getOutputs();
                grads = og.getGradients();
            } else {
                values = sd.output(feed.values(), outputs);
            }
        }
        Map<String, Double> terms = new LinkedHashMap<>();
        termOutputs.forEach((k, v) -> terms.put(k, values.get(v).getDouble(0)));
        Map<String, Double> totals = new LinkedHashMap<>();
        totalOutputs.forEach((k, v) -> totals.put(k, values.get(v).getDouble(0)));
        Map<String, Boolean> updated = new LinkedHashMap<>();
        Map<String, NetworkGradients> byNetwork = new LinkedHashMap<>();
        for (Entry e : networks) {
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

    // ---------------------------------------------------------------- construction

    private static long[] batched(long[] shape) {
        long[] full = new long[shape.length + 1];
        full[0] = -1;
        System.arraycopy(shape, 0, full, 1, shape.length);
        return full;
    }

    private Entry entry(String network) {
        return networks.stream().filter(e -> e.signature.ref().name().equals(network)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("no network named '" + network + "'"));
    }

    private Entry entry(NetworkRef ref) {
        Preconditions.checkArgument(ref.index() < networks.size()
                        && networks.get(ref.index()).signature.ref().equals(ref),
                "network %s does not belong to this graph", ref);
        return networks.get(ref.index());
    }

    /** Sums each network's weighted terms into its total, marks the totals as losses, builds the gradients. */
    private void finish() {
        List<String> losses = new ArrayList<>();
        for (Entry e : networks) {
            NetworkRef ref = e.signature.ref();
            if (e.terms.isEmpty()) {
                Preconditions.checkState(!ref.trainable(), "method '%s' defines no loss for trainable network "
                        + "'%s'; freeze it (trainable=false) or use a method that trains it", method.name(), ref.name());
                continue;
            }
            SDVariable total = null;
            for (Map.Entry<String, SDVariable> t : e.terms.entrySet()) {
                SDVariable weighted = t.getValue().mul(e.weights.get(t.getKey()));
                total = total == null ? weighted : total.add(weighted);
                termOutputs.put(VariableNames.term(t.getKey(), ref.name()), t.getValue().name());
            }
            String name = total.rename(VariableNames.total(ref.name())).name();
            totalOutputs.put(ref.name(), name);
            losses.add(name);
            gradientInputs.addAll(e.differentiable.keySet());
            if (e.headWeight != null) {
                gradientInputs.add(e.headWeight);
            }
            if (e.headBias != null) {
                gradientInputs.add(e.headBias);
            }
        }
        Preconditions.checkState(!gradientInputs.isEmpty(), "method '%s' uses no network output", method.name());
        sd.setLossVariables(losses.toArray(new String[0]));
        GradientFunction.create(sd, gradientInputs);
    }

    /** What the graph records for one network while the method defines its losses. */
    private static final class Entry {
        final NetworkSignature signature;
        final LinkedHashSet<String> taps = new LinkedHashSet<>();   // taps read, besides the logits
        final Map<String, SDVariable> terms = new LinkedHashMap<>();
        final Map<String, Double> weights = new HashMap<>();
        final Map<String, String> differentiable = new LinkedHashMap<>(); // placeholder -> tap (null: the logits)
        String gate;       // update-condition variable, or null (always updated)
        String headWeight; // head placeholders, when a loss re-applies the classifier
        String headBias;

        Entry(NetworkSignature signature) {
            this.signature = signature;
        }
    }

    /** Where a placeholder's value comes from: a network's logits, one of its taps, or its head. */
    private record FeedSource(String placeholder, String network, Kind kind, String tap) {
        enum Kind { LOGITS, TAP, HEAD_WEIGHT, HEAD_BIAS }

        INDArray read(NetworkTensors t) {
            INDArray v = switch (kind) {
                case LOGITS -> t.logits();
                case TAP -> t.tap(tap);
                case HEAD_WEIGHT -> t.headWeight();
                case HEAD_BIAS -> t.headBias();
            };
            Preconditions.checkArgument(v != null, "network '%s' gave no %s", network,
                    kind.name().toLowerCase(Locale.ROOT).replace('_', ' '));
            return v;
        }
    }

    /** A {@link LossScope#precomputed} input: its placeholder, the taps it reads, and how it is computed. */
    private record Precomputed(String placeholder, List<LossScope.TapRef> inputs,
                               BiFunction<List<INDArray>, INDArray, INDArray> compute) {
    }

    /** The method's view while it defines its losses. */
    private final class Scope implements LossScope {
        @Override
        public SameDiff sameDiff() {
            return sd;
        }

        @Override
        public int numClasses() {
            return (int) labelShape[0];
        }

        @Override
        public List<NetworkRef> networks() {
            return networks.stream().map(e -> e.signature.ref()).toList();
        }

        @Override
        public NetworkRef single(Role role) {
            List<NetworkRef> found = networks(role);
            Preconditions.checkArgument(found.size() == 1, "method '%s' needs exactly one %s network, got %s%s",
                    method.displayName(), role.name().toLowerCase(Locale.ROOT), found.size(), missingNetworkHint);
            return found.get(0);
        }

        @Override
        public String methodName() {
            return method.displayName();
        }

        @Override
        public long[] labelShape() {
            return labelShape.clone();
        }

        @Override
        public boolean regressionTargets() {
            return targets;
        }

        @Override
        public SDVariable labels() {
            return sd.getVariable(VariableNames.LABELS);
        }

        @Override
        public SDVariable logits(NetworkRef network) {
            return input(network, null, false);
        }

        @Override
        public SDVariable detachedLogits(NetworkRef network) {
            return input(network, null, true);
        }

        @Override
        public SDVariable tap(NetworkRef network, String tap) {
            return input(network, tap, false);
        }

        @Override
        public SDVariable detachedTap(NetworkRef network, String tap) {
            return input(network, tap, true);
        }

        /** The placeholder of a network's logits ({@code tap == null}) or tap, made on first use. */
        private SDVariable input(NetworkRef network, String tap, boolean detached) {
            Entry e = entry(network);
            boolean logits = tap == null || e.signature.isLogits(tap);
            long[] shape = logits ? e.signature.logitsShape() : e.signature.tapShape(tap);
            detached |= !network.trainable(); // a frozen network's tensors never carry gradient
            String base = logits ? VariableNames.logits(network.name()) : VariableNames.tap(network.name(), tap);
            String name = detached ? VariableNames.detached(base) : base;
            if (!logits) {
                e.taps.add(tap);
            }
            if (sd.hasVariable(name)) {
                return sd.getVariable(name);
            }
            sources.add(new FeedSource(name, network.name(), logits ? FeedSource.Kind.LOGITS : FeedSource.Kind.TAP,
                    tap));
            if (!detached) {
                e.differentiable.put(name, logits ? null : tap);
            }
            return sd.placeHolder(name, dataType, batched(shape));
        }

        @Override
        public long[] tapShape(NetworkRef network, String tap) {
            return entry(network).signature.tapShape(tap).clone();
        }

        @Override
        public boolean hasTap(NetworkRef network, String tap) {
            return entry(network).signature.hasTap(tap);
        }

        @Override
        public SDVariable classifier(NetworkRef network, SDVariable pooled) {
            Entry e = entry(network);
            NetworkSignature.Head head = e.signature.head();
            if (e.headWeight == null) {
                e.headWeight = VariableNames.headWeight(network.name());
                sd.placeHolder(e.headWeight, dataType, head.inputs(), head.classes());
                sources.add(new FeedSource(e.headWeight, network.name(), FeedSource.Kind.HEAD_WEIGHT, null));
                if (head.bias()) {
                    e.headBias = VariableNames.headBias(network.name());
                    sd.placeHolder(e.headBias, dataType, 1, head.classes());
                    sources.add(new FeedSource(e.headBias, network.name(), FeedSource.Kind.HEAD_BIAS, null));
                }
            }
            SDVariable z = pooled.mmul(sd.getVariable(e.headWeight));
            return e.headBias == null ? z : z.add(sd.getVariable(e.headBias));
        }

        @Override
        public void checkFeedsClassifier(NetworkRef network, String tap) {
            entry(network).signature.checkFeedsClassifier(tap);
        }

        @Override
        public SDVariable precomputedWithLabels(String name, long[] shape, List<TapRef> inputs,
                                                BiFunction<List<INDArray>, INDArray, INDArray> compute) {
            Preconditions.checkArgument(name.matches("[a-z][a-z0-9_]*"), "bad precomputed name '%s'", name);
            String placeholder = VariableNames.detached(name); // a constant of the step, like every stop-gradient input
            if (sd.hasVariable(placeholder)) {
                return sd.getVariable(placeholder);
            }
            for (TapRef t : inputs) {
                Entry e = entry(t.network());
                e.signature.tapShape(t.tap()); // fails clearly on an unknown tap
                if (!e.signature.isLogits(t.tap())) {
                    e.taps.add(t.tap());
                }
            }
            precomputed.add(new Precomputed(placeholder, List.copyOf(inputs), compute));
            return sd.placeHolder(placeholder, dataType, batched(shape));
        }

        @Override
        public SDVariable scalar(String name) {
            Preconditions.checkArgument(name.matches("[a-z][a-z0-9_]*"), "bad scalar name '%s'", name);
            if (scalars.add(name)) {
                return sd.placeHolder(name, dataType);
            }
            return sd.getVariable(name);
        }

        @Override
        public void updateWhen(NetworkRef network, SDVariable condition) {
            Entry e = entry(network);
            Preconditions.checkArgument(network.trainable(), "method '%s' gates frozen network '%s'", method.name(),
                    network.name());
            Preconditions.checkArgument(e.gate == null, "network '%s' already has an update condition",
                    network.name());
            e.gate = condition.rename(VariableNames.gate(network.name())).name();
        }

        @Override
        public void addTerm(NetworkRef network, String term, SDVariable value, double weight) {
            Entry e = entry(network);
            Preconditions.checkArgument(network.trainable(), "method '%s' adds loss '%s' to frozen network '%s'",
                    method.name(), term, network.name());
            Preconditions.checkArgument(term.matches("[a-z][a-z0-9_]*"), "bad term name '%s'", term);
            Preconditions.checkArgument(!e.terms.containsKey(term), "term '%s' added twice to '%s'", term,
                    network.name());
            Preconditions.checkArgument(Double.isFinite(weight), "method '%s': the weight of term '%s' is %s; its "
                    + "weight parameter must be a finite number", method.name(), term, weight);
            e.terms.put(term, value);
            e.weights.put(term, weight);
        }
    }
}
