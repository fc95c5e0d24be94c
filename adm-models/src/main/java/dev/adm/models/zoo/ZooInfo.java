package dev.adm.models.zoo;

import dev.adm.core.engine.Taps;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code adm zoo info} prints about a built model.
 *
 * @param model     zoo name
 * @param params    trainable parameters, counted as PyTorch does (batch-norm running statistics, which DL4J
 *                  stores as parameters, are left out)
 * @param macs      multiply-accumulates of one forward pass of one image (convolutions and dense layers)
 * @param taps      every documented tap with its per-image shape
 */
public record ZooInfo(String model, long params, long macs, Map<String, long[]> taps) {

    public static ZooInfo of(ModelSpec spec, ModelConfig cfg) {
        ComputationGraph g = spec.build(cfg);
        ComputationGraphConfiguration conf = g.getConfiguration();
        Map<String, InputType> types = conf.getLayerActivationTypes(
                InputType.convolutional(cfg.height(), cfg.width(), cfg.channels()));
        long macs = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex lv) {
                List<String> in = conf.getVertexInputs().get(e.getKey());
                InputType input = in.get(0).equals("input")
                        ? InputType.convolutional(cfg.height(), cfg.width(), cfg.channels()) : types.get(in.get(0));
                macs += macs(lv.getLayerConf().getLayer(), input, types.get(e.getKey()));
            }
        }
        Map<String, long[]> taps = new LinkedHashMap<>();
        for (String v : conf.getVertices().keySet()) {
            if (v.equals("stem") || v.startsWith("stage") || v.equals(Taps.FEAT) || v.equals("pool") || v.equals("logits")) {
                taps.put(v, types.get(v).getShape(false));
            }
        }
        spec.tapAliases().forEach((tap, vertex) -> taps.put(tap, types.get(vertex).getShape(false)));
        return new ZooInfo(spec.name(), trainableParams(g), macs, taps);
    }

    /** DL4J's parameter count without batch-norm running mean and variance (PyTorch buffers). */
    public static long trainableParams(ComputationGraph g) {
        long n = g.numParams(false);
        for (Layer layer : g.getLayers()) {
            if (layer instanceof BatchNormalization) {
                n -= layer.paramTable().entrySet().stream()
                        .filter(p -> !p.getKey().equals("gamma") && !p.getKey().equals("beta"))
                        .mapToLong(p -> p.getValue().length()).sum();
            }
        }
        return n;
    }

    private static long macs(org.deeplearning4j.nn.conf.layers.Layer layer, InputType in, InputType out) {
        if (layer instanceof DepthwiseConvolution2D d) {
            long[] o = out.getShape(false);
            return o[0] * o[1] * o[2] * d.getKernelSize()[0] * d.getKernelSize()[1];
        }
        if (layer instanceof ConvolutionLayer c) {
            long[] o = out.getShape(false);
            long cin = in.getShape(false)[0];
            return o[0] * o[1] * o[2] * cin * c.getKernelSize()[0] * c.getKernelSize()[1];
        }
        if (layer instanceof FeedForwardLayer f && !(layer instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization)) {
            return f.getNIn() * f.getNOut();
        }
        return 0;
    }
}
