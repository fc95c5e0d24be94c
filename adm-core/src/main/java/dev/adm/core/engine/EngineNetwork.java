package dev.adm.core.engine;

import com.google.common.base.Preconditions;
import dev.adm.core.backend.Backend;
import dev.adm.core.backend.ConvolutionCache;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ActivationWorkspace;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One network as the engine runs it: its forward pass recording logits and taps, its backward pass with the loss
 * gradients injected as external errors, and its DL4J updater.
 */
final class EngineNetwork {
    final Participant participant;
    final NetworkRef ref;
    final GraphSignature signature;
    /** The network whose tap feeds this one, or null when it reads the batch's inputs. */
    final EngineNetwork source;
    private ComputationGraph graph;
    private List<String> taps = List.of(); // in graph output order, after the logits
    private boolean readsHead;
    /** False for a copy that shares another network's parameters: that network's updater updates them. */
    private final boolean updates;

    EngineNetwork(Participant participant, NetworkRef ref, InputType[] inputTypes, EngineNetwork source) {
        Preconditions.checkArgument(!participant.batchStatistics() || source == null, "network '%s': batchStatistics "
                + "is not supported for a network fed by another network", participant.name());
        this.participant = participant;
        this.ref = ref;
        this.source = source;
        this.graph = participant.graph();
        this.signature = new GraphSignature(participant, ref, inputTypes);
        this.updates = true;
    }

    private EngineNetwork(EngineNetwork original, EngineNetwork source, ComputationGraph graph) {
        this.participant = original.participant;
        this.ref = original.ref;
        this.signature = original.signature;
        this.source = source;
        this.graph = graph;
        this.taps = original.taps;
        this.readsHead = original.readsHead;
        this.updates = false;
    }

    /**
     * A copy of this (instrumented) network for another worker thread: the same structure on the same parameter
     * array, with its own layers and gradient buffer, no updater and no listeners; {@code source} is the copy of
     * the network whose tap feeds it.
     */
    EngineNetwork sharingParameters(EngineNetwork source) {
        ComputationGraph copy = new ComputationGraph(graph.getConfiguration().clone());
        copy.init(graph.params(), false); // a view of the same array: updates of this network reach the copy
        Backend.prepareLayers(copy, ref.trainable() || participant.batchStatistics());
        if (ref.trainable()) {
            ConvolutionCache.enable(copy); // as the original (instrument)
        }
        return new EngineNetwork(this, source, copy);
    }

    ComputationGraph graph() {
        return graph;
    }

    /**
     * Turns the graph into its distillation form with an output for every tap in {@code tapNames} (besides the
     * logits), and prepares its layers; {@code readsHead}: the losses re-apply its classifier head.
     */
    void instrument(List<String> tapNames, boolean readsHead) {
        this.taps = List.copyOf(tapNames);
        this.readsHead = readsHead;
        graph = GraphSurgery.forDistillation(graph, participant.logitsVertex(),
                taps.stream().map(participant::vertexOf).toList());
        // one-pass batch statistics (training-mode forwards only); DL4J's own dilated convolutions
        Backend.prepareLayers(graph, ref.trainable() || participant.batchStatistics());
        if (ref.trainable()) {
            ConvolutionCache.enable(graph); // no convolution recomputed in the backward pass
        }
        if (ref.trainable() && hasBatchNormWithoutHelper()) {
            // DL4J's own batch norm (used where no oneDNN/cuDNN helper applies, e.g. in double precision) keeps
            // forward-pass arrays in a layer workspace that is closed before the engine's separate backward pass;
            // without workspaces they stay valid.
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

    /**
     * The step's forward pass: training mode if the network trains (or uses batch statistics), inference mode if
     * frozen. It reads the batch's {@code inputs}, or its source's tap from {@code earlier} (the tensors of the
     * networks before it). With {@code activations} open the tensors live in it; every array made is added to
     * {@code allocated}.
     */
    NetworkTensors forward(INDArray[] inputs, Map<String, NetworkTensors> earlier, MemoryWorkspace activations,
                           List<INDArray> allocated) {
        INDArray[] features = source == null ? inputs
                : new INDArray[]{earlier.get(source.ref.name()).tap(participant.inputTap())};
        INDArray logits;
        Map<String, INDArray> tapValues = new LinkedHashMap<>();
        if (ref.trainable() || participant.batchStatistics()) {
            Map<String, INDArray> acts = activations != null
                    ? ActivationWorkspace.feedForward(graph, features, true, !ref.trainable())
                    : graph.feedForward(features, true, !ref.trainable());
            allocated.addAll(acts.values());
            if (ref.trainable()) {
                listeners(l -> l.onForwardPass(graph, acts));
            }
            logits = acts.get(participant.logitsVertex());
            taps.forEach(t -> tapValues.put(t, acts.get(participant.vertexOf(t))));
        } else {
            INDArray[] out = activations != null ? graph.output(false, activations, features)
                    : graph.output(false, features);
            allocated.addAll(Arrays.asList(out));
            logits = out[0];
            for (int i = 0; i < taps.size(); i++) {
                tapValues.put(taps.get(i), out[i + 1]);
            }
        }
        String head = participant.logitsVertex();
        return new NetworkTensors(logits, tapValues, readsHead ? graph.getParam(head + "_W") : null,
                readsHead && signature.head().bias() ? graph.getParam(head + "_b") : null);
    }

    /**
     * The backward pass of one step: {@code gradients} injected at the logits and taps of {@code outputs} (zeros
     * where the losses use an output detached only), plus the head gradient of re-pooled paths.
     */
    Gradient backward(NetworkTensors outputs, NetworkGradients gradients, List<INDArray> allocated) {
        INDArray[] errors = new INDArray[1 + taps.size()];
        errors[0] = orZeros(gradients.logits(), outputs.logits(), allocated);
        for (int i = 0; i < taps.size(); i++) {
            errors[i + 1] = orZeros(gradients.taps().get(taps.get(i)), outputs.tap(taps.get(i)), allocated);
        }
        Gradient g = graph.backpropGradient(errors);
        addHeadGradient(g, participant.logitsVertex() + "_W", gradients.headWeight());
        addHeadGradient(g, participant.logitsVertex() + "_b", gradients.headBias());
        listeners(l -> l.onBackwardPass(graph));
        return g;
    }

    private static INDArray orZeros(INDArray error, INDArray like, List<INDArray> allocated) {
        if (error != null) {
            return error;
        }
        INDArray zeros = Nd4j.zerosLike(like);
        allocated.add(zeros);
        return zeros;
    }

    private void addHeadGradient(Gradient g, String key, INDArray extra) {
        if (extra != null) {
            INDArray view = g.getGradientFor(key);
            Preconditions.checkState(view != null, "network '%s' has no parameter '%s'", ref.name(), key);
            view.addi(extra.reshape(view.shape()));
        }
    }

    /** Inference-mode logits on the batch's inputs (a network fed by another's tap gets its inference-mode tap). */
    INDArray predict(INDArray[] inputs) {
        return graph.output(false, source == null ? inputs : new INDArray[]{source.activation(participant.inputTap(),
                inputs)})[0];
    }

    private INDArray activation(String tap, INDArray[] inputs) {
        INDArray[] in = source == null ? inputs : new INDArray[]{source.activation(participant.inputTap(), inputs)};
        return graph.feedForward(in, false, true).get(participant.vertexOf(tap));
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
                if (updates) {
                    graph.getUpdater(); // creates the updater and its state when absent
                }
            }
        }
    }

    /**
     * Applies the network's DL4J updater to a batch-mean gradient (minibatch size 1) and counts the iteration; the
     * graph's listeners hear of it as in {@code ComputationGraph.fit}, with {@code loss} (the network's total) as
     * its score. {@code g} may lie in a copy's gradient buffer ({@link #sharingParameters}); DL4J's updater then
     * treats it as an external gradient, with the same arithmetic.
     */
    void apply(Gradient g, int epoch, double loss) {
        Preconditions.checkState(updates, "network '%s' is a copy; its original applies updates", ref.name());
        ComputationGraphConfiguration conf = graph.getConfiguration();
        int iter = conf.getIterationCount();
        listeners(l -> l.onGradientCalculation(graph));
        graph.getUpdater().update(g, iter, epoch, 1, LayerWorkspaceMgr.noWorkspaces());
        graph.params().subi(g.gradient());
        graph.setScore(loss);
        listeners(l -> l.iterationDone(graph, iter, epoch));
        conf.setIterationCount(iter + 1);
    }

    /**
     * Calls every {@link TrainingListener} of a trained graph, outside any workspace as DL4J does (a listener may
     * keep what it makes).
     */
    void listeners(Consumer<TrainingListener> call) {
        if (ref.trainable() && graph.getListeners() != null && !graph.getListeners().isEmpty()) {
            try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                graph.getListeners().forEach(call);
            }
        }
    }
}
