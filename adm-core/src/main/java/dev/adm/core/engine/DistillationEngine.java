package dev.adm.core.engine;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import dev.adm.core.backend.Backend;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
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
 * {@link LossGraph} on those tensors; then, for every trained network, one backward pass with the loss gradients
 * injected as external errors at its logits and taps, the gradient of its classifier head from re-pooled paths
 * added, and its own DL4J updater applied. Nothing is forwarded twice.
 *
 * <p>The engine knows no method: a method only sees a {@link LossScope}. Gradient arrays handed to
 * DL4J are batch means already, so the updater is called with a minibatch size of 1.
 *
 * <p>The {@link org.deeplearning4j.optimize.api.TrainingListener}s of a trained network's live graph
 * ({@link #graph}) are called where {@code ComputationGraph.fit} calls them: {@code onForwardPass} after its
 * training-mode forward pass, {@code onBackwardPass} after its backward pass, {@code onGradientCalculation} before
 * its update and {@code iterationDone} after it, with the network's total loss as the graph's score;
 * {@link #startEpoch} and {@link #endEpoch} call {@code onEpochStart} and {@code onEpochEnd}. Frozen networks call
 * none.
 *
 * <p>{@link #setWorkers} splits each batch between threads, each with its own {@link Replica} of the networks;
 * their gradients are averaged before the one update.
 *
 * <pre>{@code
 * DistillationEngine engine = new DistillationEngine(MethodRegistry.create("adm", Map.of()),
 *         List.of(teacher, student), new long[]{1, 28, 28}, 10);
 * StepResult r = engine.step(features, oneHotLabels);
 * }</pre>
 */
public final class DistillationEngine {
    private static final Logger log = LoggerFactory.getLogger(DistillationEngine.class);
    private static final String MISSING_NETWORK_HINT = " (on the command line: --teacher MODEL for online methods, "
            + "--teacher-checkpoint FILE for offline ones)";

    private final DistillationMethod method;
    private final ImmutableList<EngineNetwork> networks;
    private final long[] labelShape; // per sample: [K] (classification) or [K,H,W] (dense one-hot maps or targets)
    private final boolean targets;
    private final int inputCount;
    private final LossGraph losses;
    private final Replica primary; // the networks above with their updaters, and their loss graph
    private final DataParallel workers = new DataParallel();
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
     *                   real-valued regression targets {@code [N]} or {@code [C,H,W]} (a diffusion model's noise)
     * @param targets    whether the labels are regression targets ({@link LossScope#regressionTargets()})
     */
    public DistillationEngine(DistillationMethod method, List<Participant> participants, InputType[] inputTypes,
                              long[] labelShape, boolean targets, Map<String, ComputationGraph> restored) {
        Preconditions.checkArgument(!participants.isEmpty(), "no networks given");
        Preconditions.checkArgument(inputTypes.length >= 1, "no input types given");
        Backend.initialize(); // once per JVM: networks built from here on get the fast helpers
        Preconditions.checkArgument(labelShape.length == 1 || labelShape.length == 3, "label shape must be [K] or "
                + "[K,H,W], got %s", Arrays.toString(labelShape));
        Preconditions.checkArgument(targets || labelShape[0] >= 2, "need at least 2 classes, got %s", labelShape[0]);
        this.method = Preconditions.checkNotNull(method, "method");
        LossGraph.checkLabels(method, labelShape, targets); // before the method reshapes any network
        this.labelShape = labelShape.clone();
        this.targets = targets;
        this.inputCount = inputTypes.length;
        List<Participant> arranged = restore(method.arrange(List.copyOf(participants), inputTypes[0]), restored);
        this.networks = ImmutableList.copyOf(build(arranged, inputTypes));
        Preconditions.checkArgument(networks.stream().anyMatch(n -> n.ref.trainable()),
                "every network is frozen: nothing to train");
        for (EngineNetwork n : networks) {
            DataType type = n.graph().params().dataType();
            Preconditions.checkArgument(type == dataType(), "network '%s' is %s but '%s' is %s; build all networks "
                    + "with one data type", n.ref.name(), type, networks.get(0).ref.name(), dataType());
        }
        this.losses = new LossGraph(method, networks.stream().map(n -> n.signature).toList(), labelShape, targets,
                dataType(), MISSING_NETWORK_HINT);
        for (EngineNetwork n : networks) {
            n.instrument(recordedTaps(n, arranged), losses.readsHead(n.ref.name()));
        }
        this.primary = new Replica(networks, losses);
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

    /** One {@link EngineNetwork} per participant; a network fed by another's tap comes after it. */
    private static List<EngineNetwork> build(List<Participant> arranged, InputType[] inputTypes) {
        List<EngineNetwork> list = new ArrayList<>();
        Map<String, EngineNetwork> byName = new LinkedHashMap<>();
        for (Participant p : arranged) {
            Preconditions.checkArgument(!byName.containsKey(p.name()), "two networks are named '%s'", p.name());
            EngineNetwork source = null;
            InputType[] types = inputTypes.clone();
            if (p.inputNetwork() != null) {
                source = byName.get(p.inputNetwork());
                Preconditions.checkArgument(source != null, "network '%s' reads '%s' of network '%s', which must come "
                        + "before it in the list", p.name(), p.inputTap(), p.inputNetwork());
                types = new InputType[]{source.signature.activationType(p.inputTap())};
            }
            EngineNetwork n = new EngineNetwork(p, new NetworkRef(p.name(), p.role(), p.trainable(), list.size()),
                    types, source);
            list.add(n);
            byName.put(p.name(), n);
        }
        return list;
    }

    /** The taps a network records: those networks reading it take as input, then those the losses read. */
    private List<String> recordedTaps(EngineNetwork n, List<Participant> arranged) {
        Set<String> taps = new LinkedHashSet<>();
        arranged.stream().filter(p -> n.ref.name().equals(p.inputNetwork())).forEach(p -> taps.add(p.inputTap()));
        taps.addAll(losses.taps(n.ref.name()));
        return List.copyOf(taps);
    }

    // ---------------------------------------------------------------- public API

    public DistillationMethod method() {
        return method;
    }

    public List<NetworkRef> networks() {
        return networks.stream().map(n -> n.ref).toList();
    }

    /** Every network as the engine runs it (after the method's arrangement), with its live graph. */
    public List<Participant> participants() {
        return networks.stream().map(n -> n.participant.withGraph(n.graph())).toList();
    }

    /**
     * Inference-mode predictions of a network on images: its logits (networks fed by another network's tap
     * get that network's inference-mode tap). With {@link #setWorkers} above 1 the batch is split between the
     * workers, as a step's is.
     */
    public INDArray predict(String network, INDArray... inputs) {
        checkInputs(inputs);
        EngineNetwork n = network(network);
        return workers.size() == 1 || inputs[0].size(0) < 2 ? n.predict(inputs)
                : workers.predict(primary, primary.networks.indexOf(n), inputs);
    }

    private void checkInputs(INDArray[] inputs) {
        Preconditions.checkArgument(inputs.length == inputCount, "the networks take %s input(s), got %s", inputCount,
                inputs.length);
    }

    /** The live graph of a network (its distillation form, with tap outputs). */
    public ComputationGraph graph(String network) {
        return network(network).graph();
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

    /** The planned number of training steps ({@link #setPlannedIterations}); 0 = unknown. */
    public long plannedIterations() {
        return plannedIterations;
    }

    /**
     * Starts an epoch: sets it ({@link #setEpoch}) and calls {@code onEpochStart} of the trained graphs' listeners,
     * as {@code ComputationGraph.fit} does.
     */
    public void startEpoch(int epoch) {
        setEpoch(epoch);
        networks.forEach(n -> n.listeners(l -> l.onEpochStart(n.graph())));
    }

    /**
     * Ends the epoch begun with {@link #startEpoch}: calls {@code onEpochEnd} of the trained graphs' listeners, then
     * counts the epoch in every graph, as {@code ComputationGraph.fit} does.
     */
    public void endEpoch() {
        networks.forEach(n -> n.listeners(l -> l.onEpochEnd(n.graph())));
        setEpoch(epoch + 1);
    }

    /**
     * Sets the epoch seen by updater schedules and {@link DistillationMethod#stepScalars} (a resumed run's position);
     * {@link #startEpoch} also tells listeners.
     */
    public void setEpoch(int epoch) {
        Preconditions.checkArgument(epoch >= 0, "epoch must be >= 0, got %s", epoch);
        this.epoch = epoch;
        for (EngineNetwork n : networks) {
            n.graph().getConfiguration().setEpochCount(epoch);
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
     * As {@link #step(INDArray, INDArray)} for networks with several inputs (one array per graph input). With
     * {@link #setWorkers} above 1 the batch is split between the workers (see there).
     */
    public StepResult step(INDArray[] features, INDArray oneHotLabels) {
        checkBatch(features, oneHotLabels);
        long iteration = iteration();
        Map<String, Double> scalars = method.stepScalars(epoch, iteration, plannedIterations);
        long seed = randomSeed * 1_000_003L + iteration;
        List<Replica.Share> shares = workers.size() == 1 || features[0].size(0) < 2
                ? List.of(primary.step(features, oneHotLabels, scalars, seed, iteration + 1, epoch))
                : workers.step(primary, features, oneHotLabels, scalars, seed, iteration + 1, epoch);
        StepResult result = DataParallel.combine(shares);
        for (EngineNetwork n : networks) {
            Gradient g = DataParallel.average(shares, n.ref.name());
            if (g != null) {
                n.apply(g, epoch, result.totals().getOrDefault(n.ref.name(), Double.NaN));
            }
        }
        return result;
    }

    /**
     * Splits every following step's batch between {@code workers} threads, each with its own copy of every
     * network (its share of the batch: equal sizes, the first ones one larger when it does not divide). The copies
     * share the networks' parameters; the gradients of the shares are averaged, weighted by their sizes, before
     * each network's one updater applies them. The result equals one worker's step on the whole batch, up to
     * float rounding, wherever every loss is a mean over samples (docs/engine.md#several-workers states the rule):
     * <ul>
     *   <li>batch normalisation normalises each share with the share's own statistics, and the running mean and
     *   variance move towards the mean of the shares' batch statistics (DL4J keeps them as parameters updated by
     *   a "gradient", which is averaged like the others);</li>
     *   <li>a network gated off a step by its method ({@link LossScope#updateWhen}) is gated per share: it updates
     *   with the mean gradient of the shares whose gate opened, and skips the step only when none did;</li>
     *   <li>what a method takes over the whole batch is taken over each share (RDD's hard-sample threshold; the
     *   labelled pixels that dense losses average over).</li>
     * </ul>
     * ND4J's random draws differ per share (each worker thread seeds its own generator). Listeners hear the
     * first share's forward and backward passes.
     *
     * <p>Every worker runs ND4J ops with ND4J's thread count, so start the JVM with {@code OMP_NUM_THREADS} set to
     * the cores divided by the workers (the {@code adm} launcher does this for {@code --workers}); several
     * workers each running a multi-threaded op spin against each other.
     *
     * @param workers 1 (the default: every step on the calling thread) or more
     */
    public void setWorkers(int workers) {
        Preconditions.checkArgument(workers >= 1, "workers must be >= 1, got %s", workers);
        int threads = Nd4j.getEnvironment().maxThreads();
        int cores = Runtime.getRuntime().availableProcessors();
        if (workers > 1 && workers != this.workers.size() && (long) threads * workers > cores) {
            log.warn("{} workers with ND4J's {} threads each on {} cores: their ops will spin against each other; "
                    + "start the JVM with OMP_NUM_THREADS={}", workers, threads, cores, Math.max(1, cores / workers));
        }
        this.workers.resize(workers, () -> primary.copy(copies -> new LossGraph(method,
                copies.stream().map(n -> n.signature).toList(), labelShape, targets, dataType(), MISSING_NETWORK_HINT)));
    }

    /** The number of threads a step's batch is split between ({@link #setWorkers}). */
    public int workers() {
        return workers.size();
    }

    private void checkBatch(INDArray[] features, INDArray oneHotLabels) {
        checkInputs(features);
        long[] expected = new long[labelShape.length + 1];
        expected[0] = features[0].size(0);
        System.arraycopy(labelShape, 0, expected, 1, labelShape.length);
        Preconditions.checkArgument(Arrays.equals(oneHotLabels.shape(), expected), "labels must be one-hot %s, got %s",
                Arrays.toString(expected), Arrays.toString(oneHotLabels.shape()));
    }

    /**
     * What a step computes before updating: its losses, the gradients (views into each graph's gradient buffer,
     * valid until the next call; none for a network whose update is gated off), the networks' tensors and the loss
     * graph's feed.
     */
    record StepTrace(StepResult result, Map<String, Gradient> gradients, Map<String, NetworkTensors> tensors,
                     LossGraph.Feed feed) {
    }

    /** Forward, losses and backward without updating anything, on fresh arrays (for gradient checks). */
    StepTrace trace(INDArray[] features, INDArray oneHotLabels) {
        checkBatch(features, oneHotLabels);
        return primary.trace(features, oneHotLabels, method.stepScalars(epoch, iteration(), plannedIterations), null,
                new ArrayList<>());
    }

    /**
     * Loss values with every network forwarded afresh, but the stop-gradient inputs taken from an earlier
     * trace: exactly the function whose gradient {@link #trace} reports (for finite differences).
     */
    StepResult lossesWithDetachedInputsFrom(StepTrace reference, INDArray[] features, INDArray oneHotLabels) {
        Map<String, NetworkTensors> tensors = primary.forward(features, null, new ArrayList<>());
        LossGraph.Feed feed = losses.feed(tensors, oneHotLabels,
                method.stepScalars(epoch, iteration(), plannedIterations));
        return losses.evaluate(feed.withDetachedInputsOf(reference.feed()), false).result();
    }

    /**
     * The steps taken so far: the largest iteration count of the trained networks (a network gated off a step,
     * such as SwitOKD's teacher in expert mode, does not count it; checkpoints restore the counts).
     */
    private long iteration() {
        return networks.stream().filter(n -> n.ref.trainable())
                .mapToLong(n -> n.graph().getConfiguration().getIterationCount()).max().orElseThrow();
    }

    private DataType dataType() {
        return networks.get(0).graph().params().dataType();
    }

    private EngineNetwork network(String name) {
        return networks.stream().filter(n -> n.ref.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("no network named '" + name + "'; have " + networks()));
    }
}
