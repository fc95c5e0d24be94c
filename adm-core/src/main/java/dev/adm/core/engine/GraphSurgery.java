package dev.adm.core.engine;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites a classifier graph between its two forms, copying parameters layer by layer.
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

    private GraphSurgery() {
    }

    /** The distillation form: outputs {@code [logits, tap_<v1>, tap_<v2>, ...]}. Returns {@code graph} if already so. */
    public static ComputationGraph forDistillation(ComputationGraph graph, String logitsVertex, List<String> tapVertices) {
        List<String> outputs = new ArrayList<>();
        outputs.add(logitsVertex);
        tapVertices.forEach(v -> outputs.add(TAP_PREFIX + v));
        ComputationGraphConfiguration src = graph.getConfiguration();
        FeedForwardLayer head = logitsLayer(src, logitsVertex);
        if (src.getNetworkOutputs().equals(outputs) && head instanceof DenseLayer
                && head.getActivationFn() instanceof ActivationIdentity) {
            return graph;
        }
        ComputationGraphConfiguration conf = src.clone();
        removeTapVertices(conf);
        if (!(head instanceof DenseLayer && head.getActivationFn() instanceof ActivationIdentity)) {
            Preconditions.checkArgument(head instanceof BaseOutputLayer
                            || head.getActivationFn() instanceof ActivationIdentity,
                    "the logits layer '%s' must output raw logits (identity activation) or be a softmax output layer; "
                            + "it has activation %s", logitsVertex, head.getActivationFn());
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
        return rebuild(graph, conf);
    }

    /** The plain DL4J classifier form: a softmax output layer named {@code logitsVertex}, no taps. */
    public static ComputationGraph forInference(ComputationGraph graph, String logitsVertex) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        FeedForwardLayer head = logitsLayer(conf, logitsVertex);
        removeTapVertices(conf);
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

    private static FeedForwardLayer logitsLayer(ComputationGraphConfiguration conf, String logitsVertex) {
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

    private static void removeTapVertices(ComputationGraphConfiguration conf) {
        conf.getVertices().keySet().removeIf(k -> k.startsWith(TAP_PREFIX));
        conf.getVertexInputs().keySet().removeIf(k -> k.startsWith(TAP_PREFIX));
        conf.getNetworkOutputs().removeIf(k -> k.startsWith(TAP_PREFIX));
    }

    /** Same sizes, bias, initialisation, updaters and regularisation; only the layer type/activation differ. */
    private static BaseLayer copyHead(FeedForwardLayer from, FeedForwardLayer to) {
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

    private static void replaceLayer(ComputationGraphConfiguration conf, String name, BaseLayer layer) {
        LayerVertex old = (LayerVertex) conf.getVertices().get(name);
        NeuralNetConfiguration nnc = old.getLayerConf().clone();
        nnc.setLayer(layer);
        conf.getVertices().put(name, new LayerVertex(nnc, old.getPreProcessor()));
    }

    private static ComputationGraph rebuild(ComputationGraph from, ComputationGraphConfiguration conf) {
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        ComputationGraph to = new ComputationGraph(conf);
        to.init();
        for (Layer layer : to.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            INDArray params = from.getLayer(name).params();
            if (params != null && params.length() > 0) {
                layer.params().assign(params);
            }
        }
        return to;
    }
}
