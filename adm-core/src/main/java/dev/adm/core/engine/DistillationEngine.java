package dev.adm.core.engine;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import dev.adm.core.backend.Backend;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ActivationWorkspace;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Trains N {@link ComputationGraph}s jointly under one {@link DistillationMethod}.
 *
 * <p>Per step, for every network: one forward pass (training mode if it trains, inference mode if frozen)
 * that records its logits and tapped activations; then all losses of the step are evaluated in one
 * SameDiff graph on those tensors (peers' tensors entering as stop-gradient inputs); then, for every
 * trained network, one backward pass with the loss gradients injected as external errors at its logits
 * and taps, the gradient of its classifier head from modulated-feature paths added, and its own DL4J
 * updater applied. Nothing is forwarded twice.
 *
 * <p>The engine knows no method: a method only sees a {@link LossScope}. Gradient arrays handed to
 * DL4J are batch means already, so the updater is called with a minibatch size of 1.
 *
 * <pre>{@code
 * DistillationEngine engine = new DistillationEngine(MethodRegistry.create("adm", Map.of()),
 *         List.of(teacher, student), new long[]{1, 28, 28}, 10);
 * StepResult r = engine.step(features, oneHotLabels);
 * }</pre>
 */
public final class DistillationEngine {
    static final String LABELS = "labels";
    private static final String DETACHED = "/sg";

    private final DistillationMethod method;
    private final ImmutableList<Member> members;
    private final int numClasses;
    private final long[] labelShape; // per sample: [K] (classification) or [K,H,W] (dense one-hot maps or targets)
    private final int inputCount;
    private final boolean targets;
    private final SameDiff sd;
    private final Map<String, String> termOutputs = new LinkedHashMap<>();   // term/network -> variable
    private final Map<String, String> totalOutputs = new LinkedHashMap<>();  // network -> variable
    private final List<String> gradientInputs = new ArrayList<>();
    private final Set<String> scalarInputs = new LinkedHashSet<>();
    private final List<Precomputed> precomputed = new ArrayList<>();
    /** Arrays the engine allocated during the current step, freed by {@link #step} when it ends. */
    private final List<INDArray> stepArrays = new ArrayList<>();

    /** A {@link LossScope#precomputed} input: its placeholder, the taps it reads, and how it is computed. */
    private record Precomputed(String placeholder, List<LossScope.TapRef> inputs,
                               java.util.function.BiFunction<List<INDArray>, INDArray, INDArray> compute) {
    }
    private int epoch;
    private long plannedIterations;
    private long randomSeed;

    public DistillationEngine(DistillationMethod method, List<Participant> participants, long[] inputShape,
                              int numClasses) {
        this(method, participants, inputShape, numClasses, Map.of());
    }

    /**
     * @param participants the networks the user chose; the method may add its own ({@link DistillationMethod#arrange})
     * @param restored     graphs from a checkpoint, by network name, replacing the arranged ones (same structure)
     */
    public DistillationEngine(DistillationMethod method, List<Participant> participants, long[] inputShape,
                              int numClasses, Map<String, ComputationGraph> restored) {
        this(method, participants, inputShape, new long[]{numClasses}, restored);
    }

    /**
     * @param labelShape the per-sample shape of the one-hot labels: {@code [K]} for classification, {@code [K,H,W]}
     *                   for dense prediction (a pixel whose K entries are all 0 is ignored)
     */
    public DistillationEngine(DistillationMethod method, List<Participant> participants, long[] inputShape,
                              long[] labelShape, Map<String, ComputationGraph> restored) {
        this(method, participants, new InputType[]{inputType(inputShape)}, labelShape, false, restored);
    }

    private static InputType inputType(long[] shape) {
        Preconditions.checkArgument(shape.length == 3 || shape.length == 1,
                "input shape must be [C,H,W] or [N], got %s", Arrays.toString(shape));
        return shape.length == 3 ? InputType.convolutional(shape[1], shape[2], shape[0])
                : InputType.feedForward(shape[0]);
    }

    /**
     * For networks with several inputs (a diffusion U-Net: noisy images and a timestep embedding): the types of the
     * graph inputs, in order; {@code step} and {@code predict} then take one array per input.
     *
     * @param labelShape per sample: one-hot {@code [K]} or {@code [K,H,W]} (K >= 2), or with {@code targets}
     *                   real-valued regression targets of any shape (a diffusion model's noise {@code [C,H,W]})
     * @param targets    whether the labels are regression targets ({@link LossScope#regressionTargets()})
     */
    public DistillationEngine(DistillationMethod method, List<Participant> participants, InputType[] inputTypes,
                              long[] labelShape, boolean targets, Map<String, ComputationGraph> restored) {
        Preconditions.checkArgument(!participants.isEmpty(), "no networks given");
        Preconditions.checkArgument(inputTypes.length >= 1, "no input types given");
        Preconditions.checkArgument(labelShape.length == 1 || labelShape.length == 3, "label shape must be [K] or "
                + "[K,H,W], got %s", Arrays.toString(labelShape));
        Preconditions.checkArgument(targets || labelShape[0] >= 2, "need at least 2 classes, got %s", labelShape[0]);
        this.method = Preconditions.checkNotNull(method, "method");
        this.labelShape = labelShape.clone();
        this.numClasses = (int) labelShape[0];
        this.inputCount = inputTypes.length;
        this.targets = targets;
        InputType inputType = inputTypes[0];
        List<Participant> arranged = restore(method.arrange(List.copyOf(participants), inputType), restored);
        List<Member> list = new ArrayList<>();
        Map<String, Member> byName = new LinkedHashMap<>();
        for (Participant p : arranged) {
            Preconditions.checkArgument(!byName.containsKey(p.name()), "two networks are named '%s'", p.name());
            Member source = null;
            InputType[] type = inputTypes.clone();
            if (p.inputNetwork() != null) {
                source = byName.get(p.inputNetwork());
                Preconditions.checkArgument(source != null, "network '%s' reads '%s' of network '%s', which must come "
                        + "before it in the list", p.name(), p.inputTap(), p.inputNetwork());
                type = new InputType[]{source.activationType(p.inputTap())};
                source.taps.add(p.inputTap());
            }
            Member m = new Member(p, new NetworkRef(p.name(), p.role(), p.trainable(), list.size()), type, source);
            list.add(m);
            byName.put(p.name(), m);
        }
        this.members = ImmutableList.copyOf(list);
        Preconditions.checkArgument(members.stream().anyMatch(m -> m.ref.trainable()),
                "every network is frozen: nothing to train");
        for (Member m : members) {
            DataType type = m.graph.params().dataType();
            Preconditions.checkArgument(type == dataType(), "network '%s' is %s but '%s' is %s; build all networks "
                    + "with one data type", m.ref.name(), type, members.get(0).ref.name(), dataType());
        }

        this.sd = SameDiff.create();
        long[] labels = new long[labelShape.length + 1];
        labels[0] = -1;
        System.arraycopy(labelShape, 0, labels, 1, labelShape.length);
        sd.placeHolder(LABELS, dataType(), labels);
        method.defineLosses(new Scope());
        finishGraph();
        for (Member m : members) {
            m.instrument();
        }
    }

    private static List<Participant> restore(List<Participant> arranged, Map<String, ComputationGraph> restored) {
        Set<String> names = new LinkedHashSet<>();
        arranged.forEach(p -> names.add(p.name()));
        Preconditions.checkArgument(names.containsAll(restored.keySet()), "restored networks %s are not all among "
                + "this run's networks %s", restored.keySet(), names);
        List<Participant> out = new ArrayList<>();
        for (Participant p : arranged) {
            ComputationGraph g = restored.get(p.name());
            if (g == null) {
                out.add(p);
                continue;
            }
            Preconditions.checkArgument(g.numParams() == p.graph().numParams(), "restored network '%s' has %s "
                    + "parameters but this run builds it with %s; resume with the same models and method", p.name(),
                    g.numParams(), p.graph().numParams());
            out.add(p.withGraph(g));
        }
        return out;
    }

    // ---------------------------------------------------------------- public API

    public DistillationMethod method() {
        return method;
    }

    public List<NetworkRef> networks() {
        return members.stream().map(m -> m.ref).toList();
    }

    /** Every network as the engine runs it (after the method's arrangement), with its live graph. */
    public List<Participant> participants() {
        return members.stream().map(m -> m.participant.withGraph(m.graph)).toList();
    }

    /**
     * Inference-mode predictions of a network on images: its logits (networks fed by another network's tap
     * get that network's inference-mode tap).
     */
    public INDArray predict(String network, INDArray... inputs) {
        Member m = member(network);
        checkInputs(inputs);
        INDArray[] in = m.source == null ? inputs
                : new INDArray[]{m.source.inferenceActivation(m.participant.inputTap(), inputs)};
        return m.graph.output(false, in)[0];
    }

    private void checkInputs(INDArray[] inputs) {
        Preconditions.checkArgument(inputs.length == inputCount, "the networks take %s input(s), got %s", inputCount,
                inputs.length);
    }

    /** The live graph of a network (its distillation form, with tap outputs). */
    public ComputationGraph graph(String network) {
        return member(network).graph;
    }

    public int epoch() {
        return epoch;
    }

    /**
     * The run's planned number of training steps (epochs x batches), for methods whose schedule is a fraction of
     * training (RDD); 0 = unknown.
     */
    public void setPlannedIterations(long iterations) {
        Preconditions.checkArgument(iterations >= 0, "planned iterations must be >= 0, got %s", iterations);
        this.plannedIterations = iterations;
    }

    /** Sets the epoch seen by updater schedules and {@link DistillationMethod#stepScalars}. */
    public void setEpoch(int epoch) {
        Preconditions.checkArgument(epoch >= 0, "epoch must be >= 0, got %s", epoch);
        this.epoch = epoch;
        for (Member m : members) {
            m.graph.getConfiguration().setEpochCount(epoch);
        }
    }

    /**
     * The seed of ND4J's random draws inside a step (AKD's avatar masks): each step reseeds with this seed and its
     * iteration, so the draws of a step are the same whether the run was interrupted and resumed or not.
     */
    public void setRandomSeed(long seed) {
        this.randomSeed = seed;
    }

    /** One training step on a batch: forward, losses, backward with injected errors, updates. */
    public StepResult step(INDArray features, INDArray oneHotLabels) {
        return step(new INDArray[]{features}, oneHotLabels);
    }

    /**
     * As {@link #step(INDArray, INDArray)} for networks with several inputs (one array per graph input). The
     * networks' activations live in DL4J's activation workspace for the step, as in DL4J's own {@code fit}, so
     * every step reuses the same memory instead of faulting in fresh pages (networks configured without
     * workspaces get fresh arrays, freed when the step ends).
     */
    public StepResult step(INDArray[] features, INDArray oneHotLabels) {
        Nd4j.getRandom().setSeed(randomSeed * 1_000_003L + iteration());
        boolean inWorkspace = members.stream().allMatch(m -> ActivationWorkspace.supported(m.graph));
        if (inWorkspace) {
            members.forEach(Member::allocateTrainingBuffers);
        }
        try (MemoryWorkspace activations = inWorkspace ? ActivationWorkspace.open() : null) {
            Trace trace = computeGradients(features, oneHotLabels, activations);
            checkFinite(trace); // before any update: the networks keep their last good values
            for (Member m : members) {
                Gradient g = trace.gradients.get(m.ref.name());
                if (g != null) {
                    m.apply(g, epoch);
                }
            }
            releaseStepArrays(features, oneHotLabels);
            if (activations != null) {
                // no layer may keep a reference into the workspace once it is closed and reused
                members.forEach(m -> m.graph.clearLayersStates());
            }
            return trace.result;
        }
    }

    /**
     * Stops training, naming the step and the loss term, when a loss or a gradient is NaN or infinite; nothing has
     * been updated yet, so the networks and the last checkpoint hold the last good state.
     */
    private void checkFinite(Trace trace) {
        long step = iteration() + 1;
        var all = new LinkedHashMap<String, Double>(trace.result.terms());
        trace.result.totals().forEach((k, v) -> all.put("total/" + k, v));
        for (Map.Entry<String, Double> e : all.entrySet()) {
            if (!Double.isFinite(e.getValue())) {
                throw new IllegalStateException(String.format(java.util.Locale.ROOT, "training stopped at step %d "
                        + "(epoch %d): loss term '%s' is %s; no network was updated by this step, and the last "
                        + "checkpoint holds the last good state. Lower the learning rate or check the data, then "
                        + "continue with --resume", step, epoch + 1, e.getKey(), e.getValue()));
            }
        }
        for (Map.Entry<String, Gradient> g : trace.gradients.entrySet()) {
            INDArray grad = g.getValue().gradient();
            if (BooleanIndexing.or(grad, Conditions.notFinite())) { // one pass over the gradient
                throw new IllegalStateException(String.format(java.util.Locale.ROOT, "training stopped at step %d "
                        + "(epoch %d): the gradient of network '%s' is not finite although its losses are %s; no "
                        + "network was updated by this step, and the last checkpoint holds the last good state. "
                        + "Lower the learning rate, then continue with --resume", step, epoch + 1, g.getKey(),
                        trace.result.totals()));
            }
        }
    }

    /**
     * Forward, losses and backward without updating anything. The gradients are views into each graph's
     * gradient buffer and stay valid until the next call; a network whose update is gated off this step has
     * none. Used by {@link #step} and by gradient checks.
     */
    public Trace computeGradients(INDArray features, INDArray oneHotLabels) {
        return computeGradients(new INDArray[]{features}, oneHotLabels);
    }

    /** As above, one array per graph input. */
    public Trace computeGradients(INDArray[] features, INDArray oneHotLabels) {
        return computeGradients(features, oneHotLabels, null);
    }

    /** With {@code activations} open, the trace's arrays are valid only until it is closed (inside a step). */
    private Trace computeGradients(INDArray[] features, INDArray oneHotLabels, MemoryWorkspace activations) {
        stepArrays.clear(); // a trace's arrays stay valid for its caller; only step() frees them
        Map<String, INDArray> inputs = forward(features, oneHotLabels, activations);
        Evaluated holder;
        try (MemoryWorkspace detached = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            holder = evaluate(inputs, true); // SameDiff caches its arrays between calls: never in a workspace
        }
        stepArrays.addAll(holder.grads().values());
        Map<String, Gradient> gradients = new LinkedHashMap<>();
        for (Member m : members) {
            if (m.ref.trainable() && holder.result().updated().get(m.ref.name())) {
                gradients.put(m.ref.name(), m.backward(holder.grads()));
            }
        }
        return new Trace(holder.result(), gradients, inputs);
    }

    /**
     * Frees the step's activations, error arrays and precomputed inputs at once. ND4J releases off-heap
     * memory when the garbage collector finds the arrays; until then every step would take fresh pages from the
     * OS (which the kernel zeroes: over a quarter of the CPU time of a training step in a profile). Freed now,
     * the next step reuses the same memory.
     */
    private void releaseStepArrays(INDArray[] features, INDArray labels) {
        java.util.Set<INDArray> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        seen.addAll(Arrays.asList(features));
        seen.add(labels);
        for (INDArray a : stepArrays) {
            if (a != null && seen.add(a) && a.closeable()) {
                a.close();
            }
        }
        stepArrays.clear();
    }

    /**
     * Loss values with every network forwarded afresh, but the stop-gradient inputs taken from an earlier
     * trace: exactly the function whose gradient {@link #computeGradients} returns (for finite differences).
     */
    public StepResult lossesWithDetachedInputsFrom(Trace reference, INDArray features, INDArray oneHotLabels) {
        return lossesWithDetachedInputsFrom(reference, new INDArray[]{features}, oneHotLabels);
    }

    /** As above, one array per graph input. */
    public StepResult lossesWithDetachedInputsFrom(Trace reference, INDArray[] features, INDArray oneHotLabels) {
        Map<String, INDArray> inputs = forward(features, oneHotLabels, null);
        reference.inputs.forEach((k, v) -> {
            if (k.endsWith(DETACHED)) {
                inputs.put(k, v);
            }
        });
        return evaluate(inputs, false).result();
    }

    /** Result of {@link #computeGradients}. */
    public record Trace(StepResult result, Map<String, Gradient> gradients, Map<String, INDArray> inputs) {
    }

    // ---------------------------------------------------------------- step internals

    private Map<String, INDArray> forward(INDArray[] features, INDArray oneHotLabels, MemoryWorkspace activations) {
        checkInputs(features);
        long[] expected = new long[labelShape.length + 1];
        expected[0] = features[0].size(0);
        System.arraycopy(labelShape, 0, expected, 1, labelShape.length);
        Preconditions.checkArgument(Arrays.equals(oneHotLabels.shape(), expected), "labels must be one-hot %s, got %s",
                Arrays.toString(expected), Arrays.toString(oneHotLabels.shape()));
        Map<String, INDArray> inputs = new HashMap<>();
        inputs.put(LABELS, oneHotLabels.castTo(dataType()));
        for (Member m : members) {
            m.forward(features, inputs, activations);
        }
        for (Precomputed p : precomputed) {
            List<INDArray> args = p.inputs().stream().map(t -> member(t.network()).lastTaps.get(t.tap())).toList();
            INDArray value = p.compute().apply(args, inputs.get(LABELS)).castTo(dataType());
            stepArrays.add(value);
            inputs.put(p.placeholder(), value);
        }
        Map<String, Double> scalars = method.stepScalars(epoch, iteration(), plannedIterations);
        for (String s : scalarInputs) {
            Double v = scalars.get(s);
            Preconditions.checkState(v != null, "method '%s' declared scalar '%s' but gave no value for it",
                    method.name(), s);
            inputs.put(s, Nd4j.scalar(dataType(), v));
        }
        return inputs;
    }

    private long iteration() {
        return members.stream().filter(m -> m.ref.trainable()).findFirst().orElseThrow()
                .graph.getConfiguration().getIterationCount();
    }

    private record Evaluated(StepResult result, Map<String, INDArray> grads) {
    }

    private Evaluated evaluate(Map<String, INDArray> inputs, boolean withGradients) {
        List<String> outputs = new ArrayList<>(termOutputs.values());
        outputs.addAll(totalOutputs.values());
        members.stream().filter(m -> m.gate != null).forEach(m -> outputs.add(m.gate));
        Map<String, INDArray> values;
        Map<String, INDArray> grads = Map.of();
        if (withGradients) {
            var og = sd.calculateGradientsAndOutputs(inputs, outputs, gradientInputs);
            values = og.getOutputs();
            grads = og.getGradients();
        } else {
            values = sd.output(inputs, outputs);
        }
        Map<String, Double> terms = new LinkedHashMap<>();
        termOutputs.forEach((k, v) -> terms.put(k, values.get(v).getDouble(0)));
        Map<String, Double> totals = new LinkedHashMap<>();
        totalOutputs.forEach((k, v) -> totals.put(k, values.get(v).getDouble(0)));
        Map<String, Boolean> updated = new LinkedHashMap<>();
        for (Member m : members) {
            if (m.ref.trainable()) {
                updated.put(m.ref.name(), m.gate == null || values.get(m.gate).getDouble(0) > 0);
            }
        }
        return new Evaluated(new StepResult(terms, totals, updated), grads);
    }

    // ---------------------------------------------------------------- graph construction

    private void finishGraph() {
        List<String> losses = new ArrayList<>();
        for (Member m : members) {
            if (m.terms.isEmpty()) {
                Preconditions.checkState(!m.ref.trainable(), "method '%s' defines no loss for trainable network "
                        + "'%s'; freeze it (trainable=false) or use a method that trains it", method.name(), m.ref.name());
                continue;
            }
            SDVariable total = null;
            for (Map.Entry<String, SDVariable> t : m.terms.entrySet()) {
                SDVariable weighted = t.getValue().mul(m.weights.get(t.getKey()));
                total = total == null ? weighted : total.add(weighted);
                termOutputs.put(t.getKey() + "/" + m.ref.name(), t.getValue().name());
            }
            SDVariable named = total.rename(m.ref.name() + "/loss");
            totalOutputs.put(m.ref.name(), named.name());
            losses.add(named.name());
        }
        sd.setLossVariables(losses.toArray(new String[0]));
        for (Member m : members) {
            if (m.ref.trainable()) {
                gradientInputs.addAll(m.gradientInputs());
            }
        }
        Preconditions.checkState(!gradientInputs.isEmpty(), "method '%s' uses no network output", method.name());
        createGradFunction(sd, gradientInputs);
    }

    /**
     * Builds the gradient function of {@code sd} for the given (placeholder) inputs. SameDiff M2.1 prints one
     * "Added differentiated op" line per op to System.out while it does; they are silenced.
     */
    public static synchronized void createGradFunction(SameDiff sd, List<String> inputs) {
        PrintStream out = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            sd.createGradFunction(inputs.toArray(new String[0]));
        } finally {
            System.setOut(out);
        }
    }

    private DataType dataType() {
        return members.get(0).graph.params().dataType();
    }

    private Member member(String name) {
        return members.stream().filter(m -> m.ref.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("no network named '" + name + "'; have " + networks()));
    }

    private Member member(NetworkRef ref) {
        Preconditions.checkArgument(ref.index() < members.size() && members.get(ref.index()).ref.equals(ref),
                "network %s does not belong to this engine", ref);
        return members.get(ref.index());
    }

    /** The method's view while it defines its losses. */
    private final class Scope implements LossScope {
        @Override
        public SameDiff sameDiff() {
            return sd;
        }

        @Override
        public int numClasses() {
            return numClasses;
        }

        @Override
        public List<NetworkRef> networks() {
            return DistillationEngine.this.networks();
        }

        @Override
        public NetworkRef single(Role role) {
            List<NetworkRef> found = networks(role);
            Preconditions.checkArgument(found.size() == 1, "method '%s' needs exactly one %s network, got %s "
                    + "(on the command line: --teacher MODEL for online methods, --teacher-checkpoint FILE for "
                    + "offline ones)", method.name(), role.name().toLowerCase(), found.size());
            return found.get(0);
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
            return sd.getVariable(LABELS);
        }

        @Override
        public SDVariable logits(NetworkRef network) {
            Member m = member(network);
            return m.input(network.name() + "/logits", m.logitsShape(), null, false);
        }

        @Override
        public SDVariable detachedLogits(NetworkRef network) {
            Member m = member(network);
            return m.input(network.name() + "/logits", m.logitsShape(), null, true);
        }

        @Override
        public SDVariable tap(NetworkRef network, String tap) {
            Member m = member(network);
            return m.input(network.name() + "/" + tap, m.tapShape(tap), tap, false);
        }

        @Override
        public SDVariable detachedTap(NetworkRef network, String tap) {
            Member m = member(network);
            return m.input(network.name() + "/" + tap, m.tapShape(tap), tap, true);
        }

        @Override
        public long[] tapShape(NetworkRef network, String tap) {
            return member(network).tapShape(tap).clone();
        }

        @Override
        public boolean hasTap(NetworkRef network, String tap) {
            return member(network).activationTypes.containsKey(member(network).participant.vertexOf(tap));
        }

        @Override
        public SDVariable classifier(NetworkRef network, SDVariable pooled) {
            return member(network).classifier(pooled);
        }

        @Override
        public void checkFeedsClassifier(NetworkRef network, String tap) {
            member(network).checkFeedsClassifier(tap);
        }

        @Override
        public SDVariable precomputedWithLabels(String name, long[] shape, List<TapRef> inputs,
                                                java.util.function.BiFunction<List<INDArray>, INDArray, INDArray> compute) {
            Preconditions.checkArgument(name.matches("[a-z][a-z0-9_]*"), "bad precomputed name '%s'", name);
            String placeholder = name + DETACHED; // a constant of the step, like every stop-gradient input
            if (sd.hasVariable(placeholder)) {
                return sd.getVariable(placeholder);
            }
            for (TapRef t : inputs) {
                Member m = member(t.network());
                m.tapShape(t.tap()); // fails clearly on an unknown tap
                m.taps.add(t.tap());
            }
            long[] full = new long[shape.length + 1];
            full[0] = -1;
            System.arraycopy(shape, 0, full, 1, shape.length);
            precomputed.add(new Precomputed(placeholder, List.copyOf(inputs), compute));
            return sd.placeHolder(placeholder, dataType(), full);
        }

        @Override
        public SDVariable scalar(String name) {
            Preconditions.checkArgument(name.matches("[a-z][a-z0-9_]*"), "bad scalar name '%s'", name);
            if (scalarInputs.add(name)) {
                return sd.placeHolder(name, dataType());
            }
            return sd.getVariable(name);
        }

        @Override
        public void updateWhen(NetworkRef network, SDVariable condition) {
            Member m = member(network);
            Preconditions.checkArgument(network.trainable(), "method '%s' gates frozen network '%s'", method.name(),
                    network.name());
            Preconditions.checkArgument(m.gate == null, "network '%s' already has an update condition",
                    network.name());
            m.gate = condition.rename(network.name() + "/update").name();
        }

        @Override
        public void addTerm(NetworkRef network, String term, SDVariable value, double weight) {
            Member m = member(network);
            Preconditions.checkArgument(network.trainable(), "method '%s' adds loss '%s' to frozen network '%s'",
                    method.name(), term, network.name());
            Preconditions.checkArgument(term.matches("[a-z][a-z0-9_]*"), "bad term name '%s'", term);
            Preconditions.checkArgument(!m.terms.containsKey(term), "term '%s' added twice to '%s'", term,
                    network.name());
            Preconditions.checkArgument(Double.isFinite(weight), "method '%s': the weight of term '%s' is %s; its "
                    + "weight parameter must be a finite number", method.name(), term, weight);
            m.terms.put(term, value);
            m.weights.put(term, weight);
        }
    }

    /** A participant plus everything the engine derives for it. */
    private final class Member {
        final Participant participant;
        final NetworkRef ref;
        final Member source;  // the network whose tap feeds this one, or null for images
        ComputationGraph graph;
        String gate;          // update-condition variable, or null (always updated)
        final Map<String, INDArray> lastTaps = new HashMap<>(); // this step's tapped activations by tap
        final Map<String, InputType> activationTypes;
        final LinkedHashSet<String> taps = new LinkedHashSet<>();      // tap names, in output order
        final Map<String, SDVariable> terms = new LinkedHashMap<>();
        final Map<String, Double> weights = new HashMap<>();
        final Map<String, String> placeholderTap = new LinkedHashMap<>(); // differentiable placeholder -> tap (null = logits)
        String headWeight;
        String headBias;
        INDArray[] lastOutputs; // this step's [logits, taps...], in graph output order

        Member(Participant p, NetworkRef ref, InputType[] inputTypes, Member source) {
            this.participant = p;
            this.ref = ref;
            this.source = source;
            this.graph = p.graph();
            Preconditions.checkArgument(!p.batchStatistics() || source == null, "network '%s': batchStatistics is "
                    + "not supported for a network fed by another network", p.name());
            try {
                Preconditions.checkArgument(graph.getConfiguration().getNetworkInputs().size() == inputTypes.length,
                        "network '%s' has inputs %s but the engine feeds %s", p.name(),
                        graph.getConfiguration().getNetworkInputs(), inputTypes.length);
                this.activationTypes = graph.getConfiguration().getLayerActivationTypes(inputTypes);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("network '" + p.name() + "' does not accept inputs of type "
                        + Arrays.toString(inputTypes) + ": " + e.getMessage(), e);
            }
        }

        InputType activationType(String tap) {
            String vertex = participant.vertexOf(tap);
            InputType t = activationTypes.get(vertex);
            Preconditions.checkArgument(t != null, "network '%s' has no tap '%s' (vertex '%s'); its vertices are %s",
                    ref.name(), tap, vertex, activationTypes.keySet());
            return t;
        }

        long[] tapShape(String tap) {
            return Arrays.stream(activationType(tap).getShape(false)).toArray();
        }

        /** {@code [K]} for a classifier head, {@code [K,h,w]} for per-pixel logits. */
        long[] logitsShape() {
            InputType t = activationTypes.get(participant.logitsVertex());
            Preconditions.checkState(t != null, "network '%s' has no logits vertex '%s'", ref.name(),
                    participant.logitsVertex());
            return t.getShape(false);
        }

        INDArray inferenceActivation(String tap, INDArray[] images) {
            INDArray[] input = source == null ? images
                    : new INDArray[]{source.inferenceActivation(participant.inputTap(), images)};
            return graph.feedForward(input, false, true).get(participant.vertexOf(tap));
        }

        SDVariable input(String name, long[] shape, String tap, boolean detached) {
            if (!ref.trainable()) {
                detached = true; // a frozen network's tensors never carry gradient
            }
            String phName = detached ? name + DETACHED : name;
            if (tap != null) {
                taps.add(tap);
            }
            if (sd.hasVariable(phName)) {
                return sd.getVariable(phName);
            }
            long[] full = new long[shape.length + 1];
            full[0] = -1;
            System.arraycopy(shape, 0, full, 1, shape.length);
            if (!detached) {
                placeholderTap.put(phName, tap);
            }
            return sd.placeHolder(phName, dataType(), full);
        }

        SDVariable classifier(SDVariable pooled) {
            FeedForwardLayer head = checkHeadOnGlobalAveragePool();
            String base = ref.name() + "/head/";
            if (headWeight == null) {
                headWeight = base + "W";
                sd.placeHolder(headWeight, dataType(), head.getNIn(), head.getNOut());
                if (hasBias(head)) {
                    headBias = base + "b";
                    sd.placeHolder(headBias, dataType(), 1, head.getNOut());
                }
            }
            SDVariable z = pooled.mmul(sd.getVariable(headWeight));
            return headBias == null ? z : z.add(sd.getVariable(headBias));
        }

        private boolean hasBias(FeedForwardLayer head) {
            return GraphSurgery.hasBias(head);
        }

        /** The tap must be exactly what the head's average pooling reads, with the head's input width. */
        void checkFeedsClassifier(String tap) {
            FeedForwardLayer head = checkHeadOnGlobalAveragePool();
            ComputationGraphConfiguration conf = graph.getConfiguration();
            String pool = conf.getVertexInputs().get(participant.logitsVertex()).get(0);
            String pooled = conf.getVertexInputs().get(pool).get(0);
            String vertex = participant.vertexOf(tap);
            Preconditions.checkArgument(pooled.equals(vertex), "network '%s': tap '%s' is vertex '%s', but the "
                    + "classifier pools vertex '%s'; point the tap at it (Participant.tap(\"%s\", \"%s\"))",
                    ref.name(), tap, vertex, pooled, tap, pooled);
            long channels = tapShape(tap)[0];
            Preconditions.checkArgument(channels == head.getNIn(), "network '%s': tap '%s' has %s channels but the "
                    + "classifier takes %s inputs", ref.name(), tap, channels, head.getNIn());
        }

        /** The head must be logits = dense(global average pool(x)) for the modulated path to be "the same head". */
        private FeedForwardLayer checkHeadOnGlobalAveragePool() {
            ComputationGraphConfiguration conf = graph.getConfiguration();
            String logits = participant.logitsVertex();
            GraphVertex lv = conf.getVertices().get(logits);
            List<String> in = conf.getVertexInputs().get(logits);
            GraphVertex pool = in == null || in.size() != 1 ? null : conf.getVertices().get(in.get(0));
            boolean ok = lv instanceof LayerVertex l && l.getLayerConf().getLayer() instanceof FeedForwardLayer
                    && pool instanceof LayerVertex p && p.getLayerConf().getLayer() instanceof GlobalPoolingLayer g
                    && g.getPoolingType() == PoolingType.AVG;
            Preconditions.checkArgument(ok, "network '%s': the method applies the classifier head to re-pooled "
                    + "features, so '%s' must be a dense layer fed directly by an average GlobalPoolingLayer",
                    ref.name(), logits);
            return (FeedForwardLayer) ((LayerVertex) lv).getLayerConf().getLayer();
        }

        List<String> gradientInputs() {
            List<String> names = new ArrayList<>(placeholderTap.keySet());
            if (headWeight != null) {
                names.add(headWeight);
                if (headBias != null) {
                    names.add(headBias);
                }
            }
            return names;
        }

        void instrument() {
            List<String> vertices = taps.stream().map(participant::vertexOf).toList();
            graph = GraphSurgery.forDistillation(graph, participant.logitsVertex(), vertices);
            // one-pass batch statistics (training-mode forwards only); DL4J's own dilated convolutions
            Backend.prepareLayers(graph, ref.trainable() || participant.batchStatistics());
            if (ref.trainable() && hasBatchNormWithoutHelper()) {
                // DL4J's own batch norm (used where no oneDNN/cuDNN helper applies, e.g. in double precision)
                // keeps forward-pass arrays in a layer workspace that is closed before the engine's separate
                // backward pass; without workspaces they stay valid.
                graph.getConfiguration().setTrainingWorkspaceMode(WorkspaceMode.NONE);
            }
        }

        private boolean hasBatchNormWithoutHelper() {
            for (org.deeplearning4j.nn.api.Layer layer : graph.getLayers()) {
                if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization bn
                        && (bn.getHelper() == null || graph.params().dataType() != DataType.FLOAT)) {
                    return true; // the oneDNN helper handles float only
                }
            }
            return false;
        }

        /** With {@code activations} open (see {@link ActivationWorkspace#open}) the outputs are allocated in it. */
        void forward(INDArray[] images, Map<String, INDArray> inputs, MemoryWorkspace activations) {
            INDArray[] features = source == null ? images : new INDArray[]{source.lastTaps.get(participant.inputTap())};
            INDArray logits;
            List<INDArray> tapValues = new ArrayList<>();
            if (ref.trainable() || participant.batchStatistics()) {
                Map<String, INDArray> acts = activations != null
                        ? ActivationWorkspace.feedForward(graph, features, true, !ref.trainable())
                        : graph.feedForward(features, true, !ref.trainable());
                stepArrays.addAll(acts.values());
                logits = acts.get(participant.logitsVertex());
                for (String tap : taps) {
                    tapValues.add(acts.get(participant.vertexOf(tap)));
                }
            } else {
                INDArray[] out = activations != null ? graph.output(false, activations, features)
                        : graph.output(false, features);
                stepArrays.addAll(Arrays.asList(out));
                logits = out[0];
                tapValues.addAll(Arrays.asList(out).subList(1, out.length));
            }
            lastOutputs = new INDArray[1 + tapValues.size()];
            lastOutputs[0] = logits;
            put(inputs, ref.name() + "/logits", logits);
            int i = 0;
            lastTaps.clear();
            for (String tap : taps) {
                lastOutputs[i + 1] = tapValues.get(i);
                lastTaps.put(tap, tapValues.get(i));
                put(inputs, ref.name() + "/" + tap, tapValues.get(i++));
            }
            if (headWeight != null) {
                inputs.put(headWeight, graph.getParam(participant.logitsVertex() + "_W"));
                if (headBias != null) {
                    inputs.put(headBias, graph.getParam(participant.logitsVertex() + "_b"));
                }
            }
        }

        private void put(Map<String, INDArray> inputs, String name, INDArray value) {
            if (sd.hasVariable(name)) {
                inputs.put(name, value);
            }
            if (sd.hasVariable(name + DETACHED)) {
                inputs.put(name + DETACHED, value);
            }
        }

        Gradient backward(Map<String, INDArray> grads) {
            INDArray[] errors = new INDArray[lastOutputs.length];
            errors[0] = grads.get(ref.name() + "/logits");
            int i = 1;
            for (String tap : taps) {
                errors[i++] = grads.get(ref.name() + "/" + tap);
            }
            for (int k = 0; k < errors.length; k++) {
                if (errors[k] == null) {
                    errors[k] = Nd4j.zerosLike(lastOutputs[k]); // the method uses this output detached only
                    stepArrays.add(errors[k]);
                }
            }
            Gradient g = graph.backpropGradient(errors);
            if (headWeight != null) {
                addHeadGradient(g, participant.logitsVertex() + "_W", grads.get(headWeight));
                if (headBias != null) {
                    addHeadGradient(g, participant.logitsVertex() + "_b", grads.get(headBias));
                }
            }
            return g;
        }

        private void addHeadGradient(Gradient g, String key, INDArray extra) {
            if (extra != null) {
                INDArray view = g.getGradientFor(key);
                Preconditions.checkState(view != null, "network '%s' has no parameter '%s'", ref.name(), key);
                view.addi(extra.reshape(view.shape()));
            }
        }

        /**
         * Creates the gradient and updater-state buffers, which DL4J allocates lazily on first use, outside any
         * workspace: made inside the step's activation workspace they would be overwritten by the next step.
         */
        void allocateTrainingBuffers() {
            if (ref.trainable()) {
                try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    if (graph.getGradientsViewArray() == null) {
                        graph.initGradientsView();
                    }
                    graph.getUpdater(); // creates the updater and its state when absent
                }
            }
        }

        void apply(Gradient g, int epochNow) {
            ComputationGraphConfiguration conf = graph.getConfiguration();
            int iter = conf.getIterationCount();
            graph.getUpdater().update(g, iter, epochNow, 1, LayerWorkspaceMgr.noWorkspaces());
            graph.params().subi(g.gradient());
            conf.setIterationCount(iter + 1);
        }
    }
}
