package dev.adm.core.engine;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One network taking part in distillation: a DL4J {@link ComputationGraph} plus its role, whether it
 * trains, the vertex holding its logits and optional tap aliases (tap name -> vertex name; a tap with no
 * alias is the vertex of the same name).
 *
 * <pre>{@code
 * Participant student = Participant.builder("student", graph).role(Role.STUDENT).build();
 * Participant teacher = Participant.builder("teacher", t).role(Role.TEACHER).trainable(false).build();
 * }</pre>
 */
public final class Participant {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]*");

    private final String name;
    private final ComputationGraph graph;
    private final Role role;
    private final boolean trainable;
    private final String logitsVertex;
    private final ImmutableMap<String, String> tapAliases;
    private final String inputNetwork;
    private final String inputTap;
    private final boolean batchStatistics;

    private Participant(Builder b) {
        this.name = b.name;
        this.graph = b.graph;
        this.role = b.role;
        this.trainable = b.trainable;
        this.logitsVertex = b.logitsVertex;
        this.tapAliases = ImmutableMap.copyOf(b.tapAliases);
        this.inputNetwork = b.inputNetwork;
        this.inputTap = b.inputTap;
        this.batchStatistics = b.batchStatistics;
        Preconditions.checkArgument(!batchStatistics || !trainable, "network '%s': batchStatistics applies to frozen "
                + "networks only (a training network always uses batch statistics)", name);
    }

    public static Builder builder(String name, ComputationGraph graph) {
        return new Builder(name, graph);
    }

    public String name() {
        return name;
    }

    public ComputationGraph graph() {
        return graph;
    }

    public Role role() {
        return role;
    }

    public boolean trainable() {
        return trainable;
    }

    public String logitsVertex() {
        return logitsVertex;
    }

    /** The graph vertex behind a tap name. */
    public String vertexOf(String tap) {
        return tapAliases.getOrDefault(tap, tap);
    }

    public Map<String, String> tapAliases() {
        return tapAliases;
    }

    /** The network whose tap feeds this one, or null when it reads the batch's images. */
    public String inputNetwork() {
        return inputNetwork;
    }

    /** The tap of {@link #inputNetwork()} this network reads (as a stop-gradient input). */
    public String inputTap() {
        return inputTap;
    }

    /** Whether a frozen network runs its forward pass in training mode (batch-norm batch statistics). */
    public boolean batchStatistics() {
        return batchStatistics;
    }

    /** A builder holding every setting of this participant, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder(name, graph).role(role).trainable(trainable).batchStatistics(batchStatistics);
        b.logitsVertex = logitsVertex;
        b.tapAliases.putAll(tapAliases);
        b.inputNetwork = inputNetwork;
        b.inputTap = inputTap;
        return b;
    }

    /** The same participant on another graph of the same structure (a restored checkpoint). */
    public Participant withGraph(ComputationGraph other) {
        Builder b = toBuilder();
        b.graph = Preconditions.checkNotNull(other, "graph");
        return b.build();
    }

    /**
     * Validating builder; defaults: role {@link Role#PEER}, trainable, the logits vertex of
     * {@link GraphSurgery#defaultLogitsVertex} ({@code logits}, or the dense output layer), and the tap
     * {@link Taps#FEAT} on the map the classifier head global-pools when the graph has no vertex of that name.
     */
    public static final class Builder {
        private final String name;
        private ComputationGraph graph;
        private Role role = Role.PEER;
        private boolean trainable = true;
        private String logitsVertex;
        private final Map<String, String> tapAliases = new LinkedHashMap<>();
        private String inputNetwork;
        private String inputTap;
        private boolean batchStatistics;

        private Builder(String name, ComputationGraph graph) {
            Preconditions.checkArgument(name != null && NAME.matcher(name).matches(),
                    "network name must be lower-case letters, digits, '_' or '-' starting with a letter, got '%s'",
                    name);
            Preconditions.checkArgument(graph != null, "network '%s': graph is null", name);
            this.name = name;
            this.graph = graph;
        }

        public Builder role(Role role) {
            this.role = Preconditions.checkNotNull(role, "role");
            return this;
        }

        public Builder trainable(boolean trainable) {
            this.trainable = trainable;
            return this;
        }

        public Builder logits(String vertex) {
            Preconditions.checkArgument(graph.getConfiguration().getVertices().containsKey(vertex),
                    "network '%s' has no vertex '%s' for its logits", name, vertex);
            this.logitsVertex = vertex;
            return this;
        }

        public Builder tap(String tap, String vertex) {
            Preconditions.checkArgument(graph.getConfiguration().getVertices().containsKey(vertex),
                    "network '%s': tap '%s' points at unknown vertex '%s'", name, tap, vertex);
            tapAliases.put(tap, vertex);
            return this;
        }

        public Builder taps(Map<String, String> aliases) {
            aliases.forEach(this::tap);
            return this;
        }

        /**
         * Feeds this network with another network's tap instead of the images (an auxiliary branch on a
         * teacher's intermediate map). The source must come earlier in the engine's list; no gradient flows
         * back into it.
         */
        public Builder input(String network, String tap) {
            Preconditions.checkArgument(network != null && tap != null, "network '%s': input network and tap "
                    + "are both needed", name);
            this.inputNetwork = network;
            this.inputTap = tap;
            return this;
        }

        /** For a frozen network: forward in training mode, so batch norm uses the batch's statistics. */
        public Builder batchStatistics(boolean enabled) {
            this.batchStatistics = enabled;
            return this;
        }

        public Participant build() {
            if (logitsVertex == null) {
                logitsVertex = GraphSurgery.defaultLogitsVertex(graph).orElseThrow(() -> new IllegalArgumentException(
                        String.format("network '%s' has no vertex 'logits' and its output %s is not a dense or output "
                                + "layer; name the vertex holding its logits with Participant.builder(...).logits"
                                + "(vertex) or Distiller's logits(network, vertex)", name,
                                graph.getConfiguration().getNetworkOutputs())));
            }
            if (!tapAliases.containsKey(Taps.FEAT) && !graph.getConfiguration().getVertices().containsKey(Taps.FEAT)) {
                GraphSurgery.findPooledVertex(graph, logitsVertex).ifPresent(v -> tapAliases.put(Taps.FEAT, v));
            }
            return new Participant(this);
        }
    }
}
