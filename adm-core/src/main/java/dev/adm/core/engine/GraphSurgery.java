package dev.adm.core.engine;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Rewrites a classifier graph between its two forms, copying parameters layer by layer ({@link GraphEdits} adds
 * and replaces parts).
 *
 * <ul>
 *   <li>{@link #forDistillation}: logits are a dense layer with identity activation (the engine applies
 *       its own losses and injects their gradients), and every tapped vertex gets an identity
 *       {@link ScaleVertex} output named {@code tap_<vertex>}. The extra output is what lets DL4J take an
 *       external error for an inner vertex: an inner vertex that is itself a network output would have its
 *       accumulated gradient overwritten in {@code ComputationGraph.calcBackpropGradients}.</li>
 *   <li>{@link #forInference}: the standard DL4J classifier (softmax {@link OutputLayer} with MCXENT, no
 *       tap outputs), loadable with {@code ModelSerializer.restoreComputationGraph} and nothing else.</li>
 * </ul>
 */
public final class GraphSurgery {
    /** Prefix of the identity output vertices added for taps. */
    public static final String TAP_PREFIX = "tap_";
    /** The per-pixel softmax layer {@link #forInference} appends to a dense-prediction network. */
    public static final String PROBABILITIES = "probabilities";

    private GraphSurgery() {
    }

    /**
     * The distillation form: outputs {@code [logits, tap_<v1>, tap_<v2>, ...]}. Returns {@code graph} if already so.
     */
    public static ComputationGraph forDistillation(ComputationGraph graph, String logitsVertex,
            List<String> tapVertices) {
        List<String> outputs = new ArrayList<>();
        outputs.add(logitsVertex);
        tapVertices.forEach(v -> outputs.add(TAP_PREFIX + v));
        ComputationGraphConfiguration src = graph.getConfiguration();
        String lossLayer = trailingLossLayer(src, logitsVertex);
        boolean exportedDense = lossLayer != null;
        if (exportedDense) { // a per-pixel softmax (forInference) or loss layer after the logits: back to raw outputs
            src = src.clone();
            src.getVertices().remove(lossLayer);
            src.getVertexInputs().remove(lossLayer);
            src.setNetworkOutputs(new ArrayList<>(List.of(logitsVertex)));
        }
        FeedForwardLayer head = logitsLayer(src, logitsVertex);
        // raw logits already: a dense or (per-pixel) convolution layer with identity activation
        boolean raw = !(head instanceof BaseOutputLayer) && head.getActivationFn() instanceof ActivationIdentity;
        Preconditions.checkArgument(!(head instanceof BaseOutputLayer) || head.getActivationFn() instanceof
                ActivationSoftmax || head.getActivationFn() instanceof ActivationIdentity, "the output layer '%s' has "
                + "activation %s; distillation reads class logits, so it must be a softmax output layer (or a dense "
                + "layer with identity activation)", logitsVertex, head.getActivationFn());
        if (src.getNetworkOutputs().equals(outputs) && raw && !exportedDense) {
            return graph;
        }
        ComputationGraphConfiguration conf = src.clone();
        removeTapVertices(conf);
        if (!raw) {
            Preconditions.checkArgument(head instanceof BaseOutputLayer,
                    "the logits layer '%s' must output raw logits (identity activation) or be a softmax output layer; "
                            + "it is %s with activation %s", logitsVertex, head.getClass().getSimpleName(),
                    head.getActivationFn());
            replaceLayer(conf, logitsVertex, copyHead(head, new DenseLayer.Builder()
                    .activation(Activation.IDENTITY).build()));
        }
        for (String v : tapVertices) {
            Preconditions.checkArgument(conf.getVertices().containsKey(v), "no vertex '%s' to tap; the graph has %s",
                    v, conf.getVertices().keySet());
            conf.getVertices().put(TAP_PREFIX + v, new ScaleVertex(1.0));
            conf.getVertexInputs().put(TAP_PREFIX + v, List.of(v));
        }
        conf.setNetworkOutputs(outputs);
        keepOnlyAncestorsOf(conf, outputs); // a branch no output reads (an untapped auxiliary head) is dropped
        return rebuild(graph, conf);
    }

    /**
     * The plain DL4J inference form, without taps: a classifier's dense {@code logitsVertex} becomes a softmax output
     * layer; per-pixel convolution logits get a per-pixel softmax {@link #PROBABILITIES} layer after them.
     */
    public static ComputationGraph forInference(ComputationGraph graph, String logitsVertex) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        conf.setCacheMode(CacheMode.NONE); // DL4J's default: the engine's cache stays with the engine
        FeedForwardLayer head = logitsLayer(conf, logitsVertex);
        removeTapVertices(conf);
        keepOnlyAncestorsOf(conf, logitsVertex);
        if (head instanceof ConvolutionLayer) { // per-pixel logits: a softmax over the class axis of each pixel
            conf.getVertices().put(PROBABILITIES, new LayerVertex(new NeuralNetConfiguration.Builder()
                    .layer(new CnnLossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                            .name(PROBABILITIES).build()).build(), null));
            conf.getVertexInputs().put(PROBABILITIES, new ArrayList<>(List.of(logitsVertex)));
            conf.setNetworkOutputs(new ArrayList<>(List.of(PROBABILITIES)));
            return rebuild(graph, conf);
        }
        if (!(head instanceof OutputLayer)) {
            replaceLayer(conf, logitsVertex, copyHead(head, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .activation(Activation.SOFTMAX).build()));
        } else {
            Preconditions.checkArgument(head.getActivationFn() instanceof ActivationSoftmax,
                    "output layer '%s' is not softmax", logitsVertex);
        }
        conf.setNetworkOutputs(new ArrayList<>(List.of(logitsVertex)));
        return rebuild(graph, conf);
    }

    /**
     * The graph's only output when it is a parameterless per-pixel loss layer ({@code CnnLossLayer}: the
     * {@link #PROBABILITIES} of an exported segmentation model, a U-Net's MSE output) reading {@code logitsVertex};
     * else null.
     */
    private static String trailingLossLayer(ComputationGraphConfiguration conf, String logitsVertex) {
        if (conf.getNetworkOutputs().size() != 1) {
            return null;
        }
        String out = conf.getNetworkOutputs().get(0);
        GraphVertex v = conf.getVertices().get(out);
        return v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof CnnLossLayer
                && List.of(logitsVertex).equals(conf.getVertexInputs().get(out)) ? out : null;
    }

    /**
     * The vertex holding a network's logits when none is named: {@code logits} if the graph has it, else its only
     * output when that is a dense, output or (per-pixel logits) convolution layer, else the input of that output when
     * the output is a parameterless loss or activation layer; empty if none of these.
     */
    public static Optional<String> defaultLogitsVertex(ComputationGraph graph) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        if (conf.getVertices().containsKey(Taps.LOGITS)) {
            return Optional.of(Taps.LOGITS);
        }
        List<String> outputs = conf.getNetworkOutputs().stream().filter(o -> !o.startsWith(TAP_PREFIX)).toList();
        if (outputs.size() != 1) {
            return Optional.empty();
        }
        String out = outputs.get(0);
        if (isDense(conf, out)) {
            return Optional.of(out);
        }
        List<String> in = conf.getVertexInputs().get(out);
        boolean parameterless = conf.getVertices().get(out) instanceof LayerVertex lv
                && (lv.getLayerConf().getLayer() instanceof LossLayer
                || lv.getLayerConf().getLayer() instanceof CnnLossLayer
                || lv.getLayerConf().getLayer() instanceof ActivationLayer);
        return parameterless && in != null && in.size() == 1 && isDense(conf, in.get(0)) ? Optional.of(in.get(0))
                : Optional.empty();
    }

    private static boolean isDense(ComputationGraphConfiguration conf, String vertex) {
        return conf.getVertices().get(vertex) instanceof LayerVertex lv
                && (lv.getLayerConf().getLayer() instanceof DenseLayer
                || lv.getLayerConf().getLayer() instanceof OutputLayer
                || lv.getLayerConf().getLayer() instanceof ConvolutionLayer);
    }

    /**
     * The vertex whose output the classifier head global-average-pools, if the head is a single-input layer fed by a
     * global pooling layer; else empty.
     */
    public static Optional<String> findPooledVertex(ComputationGraph graph, String logitsVertex) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        List<String> in = conf.getVertexInputs().get(logitsVertex);
        if (in == null || in.size() != 1 || !(conf.getVertices().get(in.get(0)) instanceof LayerVertex lv
                && lv.getLayerConf().getLayer() instanceof GlobalPoolingLayer)) {
            return Optional.empty();
        }
        return Optional.of(conf.getVertexInputs().get(in.get(0)).get(0));
    }

    /** The vertex whose output the classifier head global-average-pools (the zoo's {@code feat}). */
    public static String pooledVertex(ComputationGraph graph, String logitsVertex) {
        return findPooledVertex(graph, logitsVertex).orElseThrow(() -> new IllegalArgumentException(String.format(
                "classifier head '%s' is not a single-input layer fed by a global pooling layer (its inputs: %s)",
                logitsVertex, graph.getConfiguration().getVertexInputs().get(logitsVertex))));
    }

    /** Shape without the batch dimension of a vertex's output ({@code [C,H,W]} or {@code [N]}). */
    public static long[] activationShape(ComputationGraph graph, InputType input, String vertex) {
        InputType t = graph.getConfiguration().getLayerActivationTypes(input).get(vertex);
        Preconditions.checkArgument(t != null, "the graph has no vertex '%s'; its vertices are %s", vertex,
                graph.getConfiguration().getVertices().keySet());
        return t.getShape(false);
    }

    /** Drops every vertex the output does not depend on (method-added branches, regressors, gates). */
    private static void keepOnlyAncestorsOf(ComputationGraphConfiguration conf, String output) {
        keepOnlyAncestorsOf(conf, List.of(output));
    }

    private static void keepOnlyAncestorsOf(ComputationGraphConfiguration conf, List<String> outputs) {
        Set<String> needed = new LinkedHashSet<>();
        List<String> todo = new ArrayList<>(outputs);
        while (!todo.isEmpty()) {
            String v = todo.remove(todo.size() - 1);
            if (needed.add(v) && conf.getVertexInputs().containsKey(v)) {
                todo.addAll(conf.getVertexInputs().get(v));
            }
        }
        conf.getVertices().keySet().retainAll(needed);
        conf.getVertexInputs().keySet().retainAll(needed);
    }

    static FeedForwardLayer logitsLayer(ComputationGraphConfiguration conf, String logitsVertex) {
        GraphVertex v = conf.getVertices().get(logitsVertex);
        Preconditions.checkArgument(v instanceof LayerVertex
                        && ((LayerVertex) v).getLayerConf().getLayer() instanceof FeedForwardLayer,
                "'%s' must be a dense or output layer holding the logits; the graph's vertices are %s",
                logitsVertex, conf.getVertices().keySet());
        List<String> others = new ArrayList<>(conf.getNetworkOutputs());
        others.remove(logitsVertex);
        others.removeIf(o -> o.startsWith(TAP_PREFIX));
        Preconditions.checkArgument(others.isEmpty(), "expected a single-output classifier ending in '%s', "
                + "but the graph also outputs %s", logitsVertex, others);
        return (FeedForwardLayer) ((LayerVertex) v).getLayerConf().getLayer();
    }

    static void removeTapVertices(ComputationGraphConfiguration conf) {
        conf.getVertices().keySet().removeIf(k -> k.startsWith(TAP_PREFIX));
        conf.getVertexInputs().keySet().removeIf(k -> k.startsWith(TAP_PREFIX));
        conf.getNetworkOutputs().removeIf(k -> k.startsWith(TAP_PREFIX));
    }

    /** Same sizes, bias, initialisation, updaters and regularisation; only the layer type/activation differ. */
    static BaseLayer copyHead(FeedForwardLayer from, FeedForwardLayer to) {
        to.setLayerName(from.getLayerName());
        to.setNIn(from.getNIn());
        to.setNOut(from.getNOut());
        to.setWeightInitFn(from.getWeightInitFn());
        to.setBiasInit(from.getBiasInit());
        to.setIUpdater(from.getIUpdater());
        to.setBiasUpdater(from.getBiasUpdater());
        to.setRegularization(from.getRegularization());
        to.setRegularizationBias(from.getRegularizationBias());
        to.setGradientNormalization(from.getGradientNormalization());
        to.setGradientNormalizationThreshold(from.getGradientNormalizationThreshold());
        to.setIDropout(from.getIDropout());
        to.setWeightNoise(from.getWeightNoise());
        to.setConstraints(from.getConstraints());
        if (to instanceof DenseLayer d) {
            d.setHasBias(hasBias(from));
        } else if (to instanceof BaseOutputLayer o) {
            o.setHasBias(hasBias(from));
        }
        return to;
    }

    static boolean hasBias(FeedForwardLayer layer) {
        if (layer instanceof DenseLayer d) {
            return d.hasBias();
        }
        if (layer instanceof BaseOutputLayer o) {
            return o.hasBias();
        }
        return true;
    }

    static void replaceLayer(ComputationGraphConfiguration conf, String name, BaseLayer layer) {
        LayerVertex old = (LayerVertex) conf.getVertices().get(name);
        NeuralNetConfiguration nnc = old.getLayerConf().clone();
        nnc.setLayer(layer);
        conf.getVertices().put(name, new LayerVertex(nnc, old.getPreProcessor()));
    }

    private static ComputationGraph rebuild(ComputationGraph from, ComputationGraphConfiguration conf) {
        return rebuild(from, conf, List.of());
    }

    /** A new graph of {@code conf} with the parameters of {@code from}'s layers, except the {@code fresh} ones. */
    static ComputationGraph rebuild(ComputationGraph from, ComputationGraphConfiguration conf,
                                    List<String> fresh) {
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        ComputationGraph to = new ComputationGraph(conf);
        to.init();
        for (org.deeplearning4j.nn.api.Layer layer : to.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            if (fresh.contains(name) || !from.getConfiguration().getVertices().containsKey(name)) {
                continue; // a layer added by the edit keeps its fresh initialisation
            }
            INDArray params = from.getLayer(name).params();
            if (params != null && params.length() > 0) {
                Preconditions.checkState(params.length() == layer.params().length(), "layer '%s' has %s parameters in "
                        + "the source graph but %s in the rebuilt one", name, params.length(), layer.params().length());
                layer.params().assign(params);
            }
        }
        return to;
    }
}
