package dev.adm.diffusion;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link GroupNormalization}'s parameters: a scale {@code gamma} (initially 1) then a shift {@code beta} (0), each
 * {@code [1,C]}. */
final class GroupNormalizationParams implements ParamInitializer {
    static final String GAMMA = GroupNormalization.GAMMA;
    static final String BETA = GroupNormalization.BETA;
    static final GroupNormalizationParams INSTANCE = new GroupNormalizationParams();

    private GroupNormalizationParams() {
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return 2 * ((FeedForwardLayer) layer).getNOut();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return List.of(GAMMA, BETA);
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return List.of(GAMMA);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return List.of(BETA);
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return GAMMA.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BETA.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initialize) {
        Map<String, INDArray> views = split(conf, paramsView);
        views.keySet().forEach(conf::addVariable); // what DL4J's setParams and flattening iterate over
        if (initialize) {
            views.get(GAMMA).assign(1);
            views.get(BETA).assign(0);
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return split(conf, gradientView);
    }

    private static Map<String, INDArray> split(NeuralNetConfiguration conf, INDArray flat) {
        long c = ((FeedForwardLayer) conf.getLayer()).getNOut();
        INDArray row = flat.reshape(1, flat.length());
        Map<String, INDArray> views = new LinkedHashMap<>();
        views.put(GAMMA, row.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(0, c)));
        views.put(BETA, row.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(c, 2 * c)));
        return views;
    }
}
