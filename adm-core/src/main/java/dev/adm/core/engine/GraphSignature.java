package dev.adm.core.engine;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** A participant's {@link NetworkSignature}, read off its {@code ComputationGraph} for the engine's input types. */
final class GraphSignature implements NetworkSignature {
    private final Participant participant;
    private final NetworkRef ref;
    private final Map<String, InputType> activationTypes;

    GraphSignature(Participant participant, NetworkRef ref, InputType[] inputTypes) {
        this.participant = participant;
        this.ref = ref;
        ComputationGraphConfiguration conf = participant.graph().getConfiguration();
        try {
            Preconditions.checkArgument(conf.getNetworkInputs().size() == inputTypes.length, "network '%s' has inputs "
                    + "%s but the engine feeds %s", ref.name(), conf.getNetworkInputs(), inputTypes.length);
            this.activationTypes = conf.getLayerActivationTypes(inputTypes);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("network '" + ref.name() + "' does not accept inputs of type "
                    + Arrays.toString(inputTypes) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public NetworkRef ref() {
        return ref;
    }

    private static final String FEAT_HINT = "; tap 'feat' is the last feature map before global pooling, found by "
            + "itself only when the logits layer is fed by a GlobalPoolingLayer: otherwise name it with "
            + "Participant.builder(...).tap(\"feat\", vertex) or Distiller's tap(network, \"feat\", vertex)";

    /** The type of a tap's activation, for a network that reads it. */
    InputType activationType(String tap) {
        String vertex = participant.vertexOf(tap);
        InputType t = activationTypes.get(vertex);
        Preconditions.checkArgument(t != null, "network '%s' has no tap '%s' (vertex '%s'); its vertices are %s%s",
                ref.name(), tap, vertex, activationTypes.keySet(), tap.equals(Taps.FEAT) ? FEAT_HINT
                        : "; name the vertex with Participant.builder(...).tap(\"" + tap + "\", vertex)");
        return t;
    }

    @Override
    public long[] logitsShape() {
        InputType t = activationTypes.get(participant.logitsVertex());
        Preconditions.checkState(t != null, "network '%s' has no logits vertex '%s'", ref.name(),
                participant.logitsVertex());
        return t.getShape(false);
    }

    @Override
    public boolean isLogits(String tap) {
        return participant.vertexOf(tap).equals(participant.logitsVertex());
    }

    @Override
    public boolean hasTap(String tap) {
        return activationTypes.containsKey(participant.vertexOf(tap));
    }

    @Override
    public long[] tapShape(String tap) {
        return activationType(tap).getShape(false);
    }

    @Override
    public Head head() {
        FeedForwardLayer head = headOnGlobalAveragePool();
        return new Head(head.getNIn(), head.getNOut(), GraphSurgery.hasBias(head));
    }

    /** The tap must be exactly what the head's average pooling reads, with the head's input width. */
    @Override
    public void checkFeedsClassifier(String tap) {
        FeedForwardLayer head = headOnGlobalAveragePool();
        ComputationGraphConfiguration conf = participant.graph().getConfiguration();
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
    private FeedForwardLayer headOnGlobalAveragePool() {
        ComputationGraphConfiguration conf = participant.graph().getConfiguration();
        String logits = participant.logitsVertex();
        GraphVertex lv = conf.getVertices().get(logits);
        List<String> in = conf.getVertexInputs().get(logits);
        GraphVertex pool = in == null || in.size() != 1 ? null : conf.getVertices().get(in.get(0));
        boolean ok = lv instanceof LayerVertex l && l.getLayerConf().getLayer() instanceof FeedForwardLayer
                && pool instanceof LayerVertex p && p.getLayerConf().getLayer() instanceof GlobalPoolingLayer g
                && g.getPoolingType() == PoolingType.AVG;
        Preconditions.checkArgument(ok, "network '%s': the method applies the classifier head to re-pooled "
                + "features, so '%s' must be a dense layer fed directly by an average GlobalPoolingLayer; if the "
                + "logits are another vertex, name it with Participant.builder(...).logits(vertex) or Distiller's "
                + "logits(network, vertex)",
                ref.name(), logits);
        return (FeedForwardLayer) ((LayerVertex) lv).getLayerConf().getLayer();
    }
}
