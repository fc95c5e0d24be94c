package dev.adm.core.engine;

import com.google.common.base.Preconditions;
import dev.adm.core.ops.GradientFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * The {@link LossScope} of a {@link LossGraph} being built: it records the placeholders, terms and update
 * conditions a method defines, and which of a network's tensors feeds each placeholder.
 */
final class LossGraphScope implements LossScope {
    final DistillationMethod method;
    final long[] labelShape;
    final boolean targets;
    final DataType dataType;
    private final String missingNetworkHint;
    final SameDiff sd = SameDiff.create();
    final List<Entry> networks = new ArrayList<>();
    final List<FeedSource> sources = new ArrayList<>();
    final List<Precomputed> precomputed = new ArrayList<>();
    final Set<String> scalars = new LinkedHashSet<>();
    final Map<String, String> termOutputs = new LinkedHashMap<>();  // term/network -> variable
    final Map<String, String> totalOutputs = new LinkedHashMap<>(); // network -> variable
    final List<String> gradientInputs = new ArrayList<>();

    LossGraphScope(DistillationMethod method, List<? extends NetworkSignature> signatures, long[] labelShape,
                   boolean targets, DataType dataType, String missingNetworkHint) {
        this.method = method;
        this.labelShape = labelShape.clone();
        this.targets = targets;
        this.dataType = dataType;
        this.missingNetworkHint = missingNetworkHint;
        for (int i = 0; i < signatures.size(); i++) {
            Preconditions.checkArgument(signatures.get(i).ref().index() == i, "network %s is not at its index",
                    signatures.get(i).ref());
            networks.add(new Entry(signatures.get(i)));
        }
        sd.placeHolder(VariableNames.LABELS, dataType, batched(labelShape));
    }

    private static long[] batched(long[] shape) {
        long[] full = new long[shape.length + 1];
        full[0] = -1;
        System.arraycopy(shape, 0, full, 1, shape.length);
        return full;
    }

    Entry entry(String network) {
        return networks.stream().filter(e -> e.signature.ref().name().equals(network)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("no network named '" + network + "'"));
    }

    Entry entry(NetworkRef ref) {
        Preconditions.checkArgument(ref.index() < networks.size()
                        && networks.get(ref.index()).signature.ref().equals(ref),
                "network %s does not belong to this graph", ref);
        return networks.get(ref.index());
    }

    /** Sums each network's weighted terms into its total, marks the totals as losses, builds the gradients. */
    void finish() {
        List<String> losses = new ArrayList<>();
        for (Entry e : networks) {
            NetworkRef ref = e.signature.ref();
            if (e.terms.isEmpty()) {
                Preconditions.checkState(!ref.trainable(), "method '%s' defines no loss for trainable network "
                        + "'%s'; freeze it (trainable=false) or use a method that trains it", method.name(),
                        ref.name());
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
    static final class Entry {
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
    record FeedSource(String placeholder, String network, Kind kind, String tap) {
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
    record Precomputed(String placeholder, List<LossScope.TapRef> inputs,
                               BiFunction<List<INDArray>, INDArray, INDArray> compute) {
    }


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
        // a named copy: the condition itself may be a placeholder or gate another network too
        e.gate = sd.identity(VariableNames.gate(network.name()), condition).name();
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
