package dev.adm.models.zoo;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Dilated backbones for dense prediction (DeepLab's "output stride"): the strides that would take a map below
 * {@code 1/target} of the input become 1, and every later convolution is dilated by the resolution it gained
 * (padding scaled with it); the convolution that loses its stride keeps its input's dilation, as in torchvision's
 * {@code replace_stride_with_dilation}. Parameters are unchanged.
 */
public final class OutputStride {
    private OutputStride() {
    }

    /** A zoo model whose built graphs have output stride at most {@code target} (named {@code <name>-os<target>}). */
    public static ModelSpec of(ModelSpec spec, int target) {
        Preconditions.checkArgument(target >= 1 && Integer.bitCount(target) == 1, "output stride must be a power of "
                + "two, got %s", target);
        return new ModelSpec() {
            @Override
            public String name() {
                return spec.name() + "-os" + target;
            }

            @Override
            public String description() {
                return spec.description() + ", dilated to output stride " + target;
            }

            @Override
            public ComputationGraph build(ModelConfig config) {
                return dilate(spec.build(config), InputType.convolutional(config.height(), config.width(),
                        config.channels()), target);
            }

            @Override
            public Map<String, String> tapAliases() {
                return spec.tapAliases();
            }
        };
    }

    /** A copy of {@code graph} (same parameters) whose maps are at least {@code 1/target} of the input size. */
    public static ComputationGraph dilate(ComputationGraph graph, InputType input, int target) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        Map<String, InputType> types = conf.getLayerActivationTypes(input);
        long inputHeight = ((InputType.InputTypeConvolutional) input).getHeight();
        Map<String, Long> original = new HashMap<>();
        Map<String, Long> dilated = new HashMap<>();
        conf.getNetworkInputs().forEach(in -> {
            original.put(in, 1L);
            dilated.put(in, 1L);
        });
        boolean changed = false;
        for (String v : graph.getConfiguration().getTopologicalOrderStr()) {
            List<String> inputs = conf.getVertexInputs().get(v);
            if (inputs == null || inputs.isEmpty()) {
                continue;
            }
            InputType t = types.get(v);
            long os = t instanceof InputType.InputTypeConvolutional c ? inputHeight / c.getHeight() : Long.MAX_VALUE;
            original.put(v, os);
            long inNew = dilated.getOrDefault(inputs.get(0), 1L);
            long inOriginal = original.getOrDefault(inputs.get(0), 1L);
            GraphVertex vertex = conf.getVertices().get(v);
            long now = inNew * Math.max(1, os / Math.max(1, inOriginal)); // the vertex's own downsampling
            if (vertex instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof ConvolutionLayer conv) {
                int factor = (int) (inOriginal / inNew); // resolution gained before this layer
                int stride = conv.getStride()[0];
                int kept = (int) Math.max(1, Math.min(stride, target / inNew));
                if (kept != stride || factor > 1) {
                    changed = true;
                    conv.setStride(new int[]{kept, kept});
                    if (conv.getKernelSize()[0] > 1 && factor > 1) {
                        int[] d = conv.getDilation();
                        int[] p = conv.getPadding();
                        conv.setDilation(new int[]{d[0] * factor, d[1] * factor});
                        conv.setPadding(new int[]{p[0] * factor, p[1] * factor});
                    }
                }
                now = inNew * kept;
            } else if (vertex instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof SubsamplingLayer pool) {
                int stride = pool.getStride()[0];
                int kept = (int) Math.max(1, Math.min(stride, target / inNew));
                if (kept != stride) {
                    changed = true;
                    pool.setStride(new int[]{kept, kept});
                }
                now = inNew * kept;
            }
            dilated.put(v, os == Long.MAX_VALUE ? inNew : now);
        }
        if (!changed) {
            return graph;
        }
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        ComputationGraph out = new ComputationGraph(conf);
        out.init(graph.params().dup(), false);
        return out;
    }
}
