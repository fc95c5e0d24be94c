package dev.adm.core;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.GraphSurgery;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.engine.StepResult;
import dev.adm.core.methods.MethodRegistry;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.util.ComputationGraphUtil;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Distillation in DL4J's idiom: give the networks, {@link #fit} on a {@link DataSetIterator} or
 * {@link MultiDataSetIterator}, {@link #export} a plain classifier. The networks are trained in place: after every
 * epoch (and at every iteration when they have listeners) the graphs you passed hold the trained parameters, updater
 * state and iteration/epoch counts, and the {@code TrainingListener}s you set on them are called as
 * {@code ComputationGraph.fit} calls them.
 *
 * <pre>{@code
 * Distiller d = Distiller.builder("adm")       // any name of ./adm methods
 *         .param("tau", "0.5")                  // the method's parameters
 *         .teacher(teacherGraph)                // trained with the student (online methods)
 *         .student(studentGraph)                // .frozenTeacher(g) for offline methods
 *         .build();
 * d.fit(trainIterator, epochs);
 * ComputationGraph s = d.export("student");     // softmax classifier, ready for ModelSerializer
 * }</pre>
 *
 * <p>Each step is the engine's ({@link DistillationEngine}): one forward pass per network, one loss graph, one
 * backward pass per trained network. Networks are named {@code teacher} and {@code student}, numbered
 * ({@code student1}, {@code student2}) when there are several, as the command line names them. Labels are one-hot:
 * {@code [B,K]} per image or {@code [B,K,H,W]} per pixel (segmentation); the engine is built at the first batch.
 */
public final class Distiller {
    private final DistillationMethod method;
    private final List<UserNetwork> networks;
    private final Map<String, String> logits;
    private final Map<String, Map<String, String>> taps;
    private final InputType[] inputTypes;
    private final long seed;
    private final int workers;
    private DistillationEngine engine;
    private InputType[] types; // the engine's, known from the first batch
    private long plannedIterations;
    private StepResult lastStep;

    private Distiller(Builder b, DistillationMethod method) {
        this.method = method;
        this.networks = List.copyOf(b.named());
        this.logits = Map.copyOf(b.logits);
        this.taps = Map.copyOf(b.taps);
        this.inputTypes = b.inputTypes;
        this.seed = b.seed;
        this.workers = b.workers;
        List<String> names = networks.stream().map(n -> n.name).toList();
        for (String n : logits.keySet()) {
            Preconditions.checkArgument(names.contains(n), "logits(\"%s\", ...) names no network; the networks are %s",
                    n, names);
        }
        for (String n : taps.keySet()) {
            Preconditions.checkArgument(names.contains(n), "tap(\"%s\", ...) names no network; the networks are %s",
                    n, names);
        }
    }

    /** A distiller for a registered method ({@code ./adm methods} lists them, with their parameters). */
    public static Builder builder(String method) {
        return new Builder(method);
    }

    /** Trains for {@code epochs} passes over the data, resetting the iterator between them. */
    public void fit(DataSetIterator data, int epochs) {
        Preconditions.checkArgument(data != null, "the training data is null");
        fit(ComputationGraphUtil.toMultiDataSetIterator(data), epochs);
    }

    /** As {@link #fit(DataSetIterator, int)}; each MultiDataSet holds one array per graph input and one label array. */
    public void fit(MultiDataSetIterator data, int epochs) {
        Preconditions.checkArgument(data != null, "the training data is null");
        Preconditions.checkArgument(epochs >= 1, "epochs must be >= 1, got %s", epochs);
        if (method.needsPlannedIterations()) {
            plannedIterations += (long) epochs * countBatches(data);
        }
        for (int e = 0; e < epochs; e++) {
            if (e > 0 || !data.hasNext()) {
                Preconditions.checkArgument(data.resetSupported(), "the iterator is used up and cannot reset; give "
                        + "one that supports reset() to train for several epochs");
                data.reset();
            }
            Preconditions.checkArgument(data.hasNext(), "the iterator has no batches");
            MultiDataSet first = data.next();
            if (engine == null) {
                engine = createEngine(first);
            }
            engine.setPlannedIterations(plannedIterations);
            engine.startEpoch(engine.epoch());
            step(first);
            while (data.hasNext()) {
                step(data.next());
            }
            engine.endEpoch();
            networks.forEach(UserNetwork::sync);
        }
    }

    private long countBatches(MultiDataSetIterator data) {
        Preconditions.checkArgument(data.resetSupported(), "%s schedules by the number of iterations, which is "
                + "counted with a pass over the data; give an iterator that supports reset()", method.displayName());
        data.reset();
        long batches = 0;
        while (data.hasNext()) {
            data.next();
            batches++;
        }
        data.reset();
        return batches;
    }

    private void step(MultiDataSet batch) {
        Preconditions.checkArgument(batch.getLabels() != null && batch.getLabels().length == 1, "every batch needs "
                + "exactly one label array (one-hot), got %s",
                batch.getLabels() == null ? 0 : batch.getLabels().length);
        Preconditions.checkArgument(batch.getFeaturesMaskArrays() == null && batch.getLabelsMaskArrays() == null,
                "mask arrays are not supported: give batches without masks");
        // the batch is on the user's networks during the step, as during fit: listeners read its size from them
        networks.forEach(n -> n.showBatch(batch.getFeatures(), batch.getLabels()[0]));
        try {
            lastStep = engine.step(shaped(batch.getFeatures()), batch.getLabels()[0]);
        } finally {
            networks.forEach(UserNetwork::hideBatch);
        }
    }

    /**
     * Flat image rows {@code [B, C*H*W]} (what DL4J's MNIST iterator gives) reshaped to {@code [B,C,H,W]} when the
     * networks take images (a network that unflattens rows itself passes images through); anything else as it is.
     */
    private INDArray[] shaped(INDArray[] features) {
        INDArray[] out = features.clone();
        for (int i = 0; i < out.length && i < types.length; i++) {
            if (types[i] instanceof InputType.InputTypeConvolutional c && out[i].rank() == 2
                    && out[i].size(1) == c.getChannels() * c.getHeight() * c.getWidth()) {
                out[i] = out[i].reshape('c', out[i].size(0), c.getChannels(), c.getHeight(), c.getWidth());
            }
        }
        return out;
    }

    private static InputType[] unflattened(InputType[] given) {
        InputType[] out = given.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] instanceof InputType.InputTypeConvolutionalFlat f) {
                out[i] = f.getUnflattenedType();
            }
        }
        return out;
    }

    private DistillationEngine createEngine(MultiDataSet first) {
        types = inputTypes != null ? unflattened(inputTypes) : inputTypesOf(first.getFeatures());
        INDArray labels = first.getLabels()[0];
        long[] labelShape = Arrays.copyOfRange(labels.shape(), 1, labels.rank());
        List<Participant> participants = new ArrayList<>();
        for (UserNetwork n : networks) {
            Participant.Builder p = Participant.builder(n.name, n.graph()).role(n.role).trainable(n.trainable)
                    .taps(taps.getOrDefault(n.name, Map.of()));
            if (logits.containsKey(n.name)) {
                p.logits(logits.get(n.name));
            }
            participants.add(p.build());
        }
        DistillationEngine e = new DistillationEngine(method, participants, types, labelShape, false, Map.of());
        e.setRandomSeed(seed);
        e.setWorkers(workers);
        int epoch = 0;
        for (UserNetwork n : networks) {
            if (n.trainable) {
                n.follow(e.graph(n.name));
                epoch = Math.max(epoch, n.graph().getConfiguration().getEpochCount());
            }
        }
        e.setEpoch(epoch);
        return e;
    }

    /**
     * The input types of the first batch: images {@code [B,C,H,W]}, or rows {@code [B,N]}; rows are flat images when
     * a network unflattens them (a {@code FeedForwardToCnnPreProcessor}, as DL4J's {@code convolutionalFlat} input
     * type sets up), and are then reshaped for every network.
     */
    private InputType[] inputTypesOf(INDArray[] features) {
        InputType[] out = new InputType[features.length];
        for (int i = 0; i < features.length; i++) {
            long[] s = features[i].shape();
            Preconditions.checkArgument(s.length == 4 || s.length == 2, "input %s of the first batch has shape %s; "
                    + "images [B,C,H,W] or rows [B,N] are supported", i, Arrays.toString(s));
            out[i] = s.length == 4 ? InputType.convolutional(s[2], s[3], s[1]) : rowType(i, s);
        }
        return out;
    }

    private InputType rowType(int input, long[] shape) {
        for (UserNetwork n : networks) {
            LayerVertex reader = readerOf(n.graph(), input);
            if (reader != null && reader.getPreProcessor() instanceof FeedForwardToCnnPreProcessor p) {
                return InputType.convolutional(p.getInputHeight(), p.getInputWidth(), p.getNumChannels());
            }
        }
        for (UserNetwork n : networks) {
            LayerVertex reader = readerOf(n.graph(), input);
            Preconditions.checkArgument(reader == null || !(reader.getLayerConf().getLayer() instanceof
                    ConvolutionLayer), "the batches hold rows %s but network '%s' starts with a convolution: give the "
                    + "image shape with inputTypes(InputType.convolutional(height, width, channels)) and the rows are "
                    + "reshaped", Arrays.toString(shape), n.name);
        }
        return InputType.feedForward(shape[1]);
    }

    /** The layer that reads a graph's {@code index}-th input, if one layer does. */
    private static LayerVertex readerOf(ComputationGraph graph, int index) {
        List<String> inputs = graph.getConfiguration().getNetworkInputs();
        if (index >= inputs.size()) {
            return null;
        }
        String input = inputs.get(index);
        List<LayerVertex> readers = new ArrayList<>();
        graph.getConfiguration().getVertexInputs().forEach((v, in) -> {
            if (in.contains(input) && graph.getConfiguration().getVertices().get(v) instanceof LayerVertex lv) {
                readers.add(lv);
            }
        });
        return readers.size() == 1 ? readers.get(0) : null;
    }

    /**
     * A trained network as a plain DL4J classifier: softmax output, no taps (per-pixel logits get a per-pixel
     * softmax), loadable with {@code ModelSerializer.restoreComputationGraph}.
     */
    public ComputationGraph export(String network) {
        Participant p = engine().participants().stream().filter(n -> n.name().equals(network)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no network named '" + network + "'; have "
                        + engine.networks().stream().map(n -> n.name()).toList()));
        return GraphSurgery.forInference(p.graph(), p.logitsVertex());
    }

    /** The names of the networks you gave, in order (the method may train more: {@link #engine()} lists all). */
    public List<String> networks() {
        return networks.stream().map(n -> n.name).toList();
    }

    /** The engine, for predictions and the live graphs; it exists from the first batch of {@link #fit} on. */
    public DistillationEngine engine() {
        Preconditions.checkState(engine != null, "nothing is trained yet: call fit first");
        return engine;
    }

    /** The losses of the last step taken. */
    public StepResult lastStep() {
        Preconditions.checkState(lastStep != null, "no step taken yet: call fit first");
        return lastStep;
    }

    /** Validating builder; the method sees the teachers first, then the students, each in the order added. */
    public static final class Builder {
        private final String method;
        private final Map<String, String> params = new LinkedHashMap<>();
        private final List<Added> added = new ArrayList<>();
        private final Map<String, String> logits = new LinkedHashMap<>();
        private final Map<String, Map<String, String>> taps = new LinkedHashMap<>();
        private InputType[] inputTypes;
        private long seed;
        private int workers = 1;

        private record Added(Role role, boolean trainable, Model model) {
        }

        private Builder(String method) {
            Preconditions.checkArgument(method != null && !method.isBlank(), "a method name is required; "
                    + "known methods: %s", MethodRegistry.entries().stream().map(MethodRegistry.Entry::name).toList());
            MethodRegistry.entry(method); // fails now, listing the known names
            this.method = method;
        }

        /** A method parameter, as {@code ./adm methods} lists it (e.g. {@code param("T", 4)}). */
        public Builder param(String key, Object value) {
            Preconditions.checkArgument(key != null && value != null, "a parameter needs a key and a value");
            params.put(key, String.valueOf(value));
            return this;
        }

        /** A teacher trained together with the students (online methods: adm, dml, kdcl, switokd). */
        public Builder teacher(ComputationGraph network) {
            return add(Role.TEACHER, true, network);
        }

        /** As {@link #teacher(ComputationGraph)}, for a multi-layer network. */
        public Builder teacher(MultiLayerNetwork network) {
            return add(Role.TEACHER, true, network);
        }

        /** A trained teacher that stays as it is (offline methods: kd, dkd, fitnet, at, ...). */
        public Builder frozenTeacher(ComputationGraph network) {
            return add(Role.TEACHER, false, network);
        }

        /** As {@link #frozenTeacher(ComputationGraph)}, for a multi-layer network. */
        public Builder frozenTeacher(MultiLayerNetwork network) {
            return add(Role.TEACHER, false, network);
        }

        /** A student; give several for methods that train several (adm with two students, dml with peers). */
        public Builder student(ComputationGraph network) {
            return add(Role.STUDENT, true, network);
        }

        /** As {@link #student(ComputationGraph)}, for a multi-layer network. */
        public Builder student(MultiLayerNetwork network) {
            return add(Role.STUDENT, true, network);
        }

        private Builder add(Role role, boolean trainable, Model network) {
            Preconditions.checkArgument(network != null, "the %s network is null",
                    role.name().toLowerCase(java.util.Locale.ROOT));
            Preconditions.checkArgument(added.stream().noneMatch(a -> a.model == network), "the same network object "
                    + "is given twice; give each role its own network");
            added.add(new Added(role, trainable, network));
            return this;
        }

        /**
         * The vertex holding a network's logits, where it is neither named {@code logits} nor the graph's dense
         * output layer.
         */
        public Builder logits(String network, String vertex) {
            logits.put(network, vertex);
            return this;
        }

        /** Points a tap a method reads (e.g. ADM's {@code feat}) at a vertex of a network. */
        public Builder tap(String network, String tap, String vertex) {
            taps.computeIfAbsent(network, k -> new LinkedHashMap<>()).put(tap, vertex);
            return this;
        }

        /**
     * The input types of the networks, where the first batch does not tell them: e.g.
     * {@code InputType.convolutional(28, 28, 1)} (or {@code convolutionalFlat}) for flat 784-pixel rows fed to a
     * convolutional network: they are reshaped to {@code [B,1,28,28]}.
     */
        public Builder inputTypes(InputType... types) {
            Preconditions.checkArgument(types != null && types.length >= 1, "give at least one input type");
            this.inputTypes = types.clone();
            return this;
        }

        /** The seed of random draws inside a step (AKD's avatars); steps are repeatable for a given seed. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Splits each batch between {@code workers} threads, each with a copy of every network sharing its
         * parameters, and averages their gradients ({@link DistillationEngine#setWorkers}, which states the rule for
         * batch norm); start the JVM with {@code OMP_NUM_THREADS} = cores / workers. Default 1.
         */
        public Builder workers(int workers) {
            Preconditions.checkArgument(workers >= 1, "workers must be >= 1, got %s", workers);
            this.workers = workers;
            return this;
        }

        /** Checks the method's parameters and the networks' roles. */
        public Distiller build() {
            Preconditions.checkState(!added.isEmpty(), "no networks given: add a student (and a teacher)");
            DistillationMethod m = MethodRegistry.create(method, params);
            boolean frozen = added.stream().anyMatch(a -> a.role == Role.TEACHER && !a.trainable);
            Preconditions.checkState(!m.freezesTeacher() || frozen, "%s distils from a trained teacher that stays "
                    + "fixed: give it with frozenTeacher(...)", m.displayName());
            Preconditions.checkState(m.freezesTeacher() || !frozen, "%s trains its teacher with the student: give it "
                    + "with teacher(...), or choose an offline method (kd, dkd, ...)", m.displayName());
            return new Distiller(this, m);
        }

        private List<UserNetwork> named() {
            List<UserNetwork> out = new ArrayList<>();
            for (Role role : List.of(Role.TEACHER, Role.STUDENT)) {
                List<Added> of = added.stream().filter(a -> a.role == role).toList();
                for (int i = 0; i < of.size(); i++) {
                    out.add(new UserNetwork(role.networkName(i, of.size()), role, of.get(i).trainable,
                            of.get(i).model));
                }
            }
            return out;
        }
    }
}
