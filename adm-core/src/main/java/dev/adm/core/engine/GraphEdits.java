package dev.adm.core.engine;

import com.google.common.base.Preconditions;
import dev.adm.core.backend.Seeds;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static dev.adm.core.engine.GraphSurgery.TAP_PREFIX;

/**
 * New parts for a network, as methods and tasks add them: layers on an existing graph ({@link #extend}: FitNet's
 * regressor, ONE's branches and gate), a replaced head ({@link #replaceHead}: a segmentation head on a zoo
 * backbone), or a new network made of copies of another's last layers ({@link #branchFrom}: SOKD's peer). Kept
 * layers keep their parameters; new layers train like the old classifier head.
 */
public final class GraphEdits {
    private GraphEdits() {
    }

    /**
     * A copy of {@code graph} with vertices added by {@code edits}; existing parameters are kept, new layers
     * are freshly initialised and train like the classifier head (its updater, regularisation and
     * initialisation). Every new vertex nothing reads becomes a tap output, so the result is in the
     * distillation form and the new vertices can be tapped by their names.
     */
    public static ComputationGraph extend(ComputationGraph graph, String logitsVertex, InputType input,
                                          Consumer<Extension> edits) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        Extension ext = new Extension(conf, GraphSurgery.logitsLayer(conf, logitsVertex), graph, input);
        edits.accept(ext);
        List<String> outputs = new ArrayList<>(List.of(logitsVertex));
        conf.getNetworkOutputs().stream().filter(o -> o.startsWith(TAP_PREFIX)).forEach(outputs::add);
        for (String v : ext.added) {
            boolean read = conf.getVertexInputs().values().stream().anyMatch(in -> in.contains(v));
            if (!read) {
                conf.getVertices().put(TAP_PREFIX + v, new ScaleVertex(1.0));
                conf.getVertexInputs().put(TAP_PREFIX + v, List.of(v));
                outputs.add(TAP_PREFIX + v);
            }
        }
        conf.setNetworkOutputs(outputs);
        return GraphSurgery.rebuild(graph, conf, ext.added);
    }

    /**
     * A copy of {@code graph} with its classifier head replaced: the vertices in {@code drop} (and every tap
     * output) are removed, {@code edits} adds the new head (layers train like the old head: its updater,
     * regularisation and initialisation), and {@code newOutput} becomes the only output. Kept layers keep their
     * parameters. Used to turn a zoo classifier into a dense predictor.
     */
    public static ComputationGraph replaceHead(ComputationGraph graph, String logitsVertex, List<String> drop,
                                               InputType input, Consumer<Extension> edits, String newOutput) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        FeedForwardLayer template = GraphSurgery.logitsLayer(conf, logitsVertex);
        GraphSurgery.removeTapVertices(conf);
        for (String v : drop) {
            Preconditions.checkArgument(conf.getVertices().containsKey(v), "no vertex '%s' to remove", v);
            conf.getVertices().remove(v);
            conf.getVertexInputs().remove(v);
        }
        for (var e : conf.getVertexInputs().entrySet()) {
            for (String in : e.getValue()) {
                Preconditions.checkArgument(!drop.contains(in), "vertex '%s' still reads removed vertex '%s'",
                        e.getKey(), in);
            }
        }
        Extension ext = new Extension(conf, template, graph, input);
        edits.accept(ext);
        Preconditions.checkArgument(conf.getVertices().containsKey(newOutput), "the new head has no vertex '%s'",
                newOutput);
        conf.setNetworkOutputs(new ArrayList<>(List.of(newOutput)));
        return GraphSurgery.rebuild(graph, conf, ext.added);
    }

    /** Edits for {@link #extend}. */
    public static final class Extension {
        private final ComputationGraphConfiguration conf;
        private final FeedForwardLayer template;
        private final NeuralNetConfiguration templateConf;
        private final ComputationGraph original;
        private final InputType input;
        private final List<String> added = new ArrayList<>();

        private Extension(ComputationGraphConfiguration conf, FeedForwardLayer template, ComputationGraph original,
                          InputType input) {
            this.conf = conf;
            this.template = template;
            this.templateConf = ((LayerVertex) original.getConfiguration().getVertices().get(template.getLayerName()))
                    .getLayerConf().clone();
            this.original = original;
            this.input = input;
        }

        /** Output shape (no batch dimension) of a vertex of the original graph. */
        public long[] shape(String vertex) {
            return GraphSurgery.activationShape(original, input, vertex);
        }

        /** Adds a vertex without parameters (a resize, a merge). */
        public Extension vertex(String name, GraphVertex vertex, String... inputs) {
            checkNew(name, inputs);
            conf.getVertices().put(name, vertex);
            conf.getVertexInputs().put(name, List.of(inputs));
            added.add(name);
            return this;
        }

        /** Adds a layer; set its sizes and activation explicitly (no global defaults are applied). */
        public Extension layer(String name, Layer layer, String... inputs) {
            checkNew(name, inputs);
            if (layer instanceof BaseLayer b) {
                copyTraining(template, b);
            }
            layer.setLayerName(name);
            NeuralNetConfiguration nnc = templateConf.clone();
            nnc.setLayer(layer);
            conf.getVertices().put(name, new LayerVertex(nnc, null));
            conf.getVertexInputs().put(name, List.of(inputs));
            added.add(name);
            return this;
        }

        /**
         * Copies every vertex downstream of {@code from} (the part of the network after it) under names with
         * {@code prefix}; copies read {@code from} itself where the originals do. Returns original -> copy.
         */
        public Map<String, String> copyDownstream(String from, String prefix) {
            Map<String, String> copies = new LinkedHashMap<>();
            List<String> originals = downstreamOf(conf, from);
            originals.removeAll(added); // earlier copies are not copied again
            for (String v : originals) {
                GraphVertex copy = conf.getVertices().get(v).clone();
                if (copy instanceof LayerVertex lv) {
                    lv.getLayerConf().getLayer().setLayerName(prefix + v);
                }
                List<String> in = conf.getVertexInputs().get(v).stream().map(i -> copies.getOrDefault(i, i)).toList();
                copies.put(v, prefix + v);
                checkNew(prefix + v, in.toArray(new String[0]));
                conf.getVertices().put(prefix + v, copy);
                conf.getVertexInputs().put(prefix + v, in);
                added.add(prefix + v);
            }
            return copies;
        }

        /** Turns a copied output layer into raw logits (a dense layer with identity activation). */
        public Extension rawLogits(String vertex) {
            Preconditions.checkArgument(added.contains(vertex), "'%s' was not added by this extension", vertex);
            GraphVertex v = conf.getVertices().get(vertex);
            Preconditions.checkArgument(v instanceof LayerVertex lv && lv.getLayerConf().getLayer()
                    instanceof FeedForwardLayer, "'%s' is not a dense or output layer", vertex);
            FeedForwardLayer head = (FeedForwardLayer) ((LayerVertex) v).getLayerConf().getLayer();
            DenseLayer raw = new DenseLayer.Builder().activation(Activation.IDENTITY).build();
            GraphSurgery.replaceLayer(conf, vertex, GraphSurgery.copyHead(head, raw));
            return this;
        }

        private void checkNew(String name, String... inputs) {
            boolean taken = conf.getVertices().containsKey(name) || conf.getNetworkInputs().contains(name);
            Preconditions.checkArgument(!taken, "the graph already has a vertex '%s'", name);
            for (String i : inputs) {
                Preconditions.checkArgument(conf.getVertices().containsKey(i) || conf.getNetworkInputs().contains(i),
                        "vertex '%s' would read unknown vertex '%s'", name, i);
            }
        }
    }

    /**
     * A new, freshly initialised network made of copies of everything downstream of {@code fromVertex} in
     * {@code source}, reading one input named {@code input} shaped like that vertex's output; its layers
     * train like {@code trainingTemplate}'s classifier head. (SOKD's auxiliary peer: a fresh copy of a
     * teacher's last stage and head.)
     */
    public static ComputationGraph branchFrom(ComputationGraph source, String fromVertex, String logitsVertex,
                                              ComputationGraph trainingTemplate, String templateLogits, long seed) {
        ComputationGraphConfiguration conf = source.getConfiguration().clone();
        GraphSurgery.removeTapVertices(conf);
        Preconditions.checkArgument(conf.getVertices().containsKey(fromVertex), "no vertex '%s' to branch from; "
                + "the graph has %s", fromVertex, conf.getVertices().keySet());
        Set<String> keep = new LinkedHashSet<>(downstreamOf(conf, fromVertex));
        Preconditions.checkArgument(keep.contains(logitsVertex), "'%s' is not downstream of '%s'", logitsVertex,
                fromVertex);
        FeedForwardLayer template = GraphSurgery.logitsLayer(trainingTemplate.getConfiguration(), templateLogits);
        Map<String, GraphVertex> vertices = new LinkedHashMap<>();
        Map<String, List<String>> inputs = new LinkedHashMap<>();
        for (String v : keep) {
            List<String> in = new ArrayList<>();
            for (String i : conf.getVertexInputs().get(v)) {
                Preconditions.checkArgument(i.equals(fromVertex) || keep.contains(i), "cannot branch at '%s': '%s' "
                        + "also reads '%s' from before it", fromVertex, v, i);
                in.add(i.equals(fromVertex) ? "input" : i);
            }
            GraphVertex copy = conf.getVertices().get(v).clone();
            if (copy instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BaseLayer b) {
                copyTraining(template, b, true);
            }
            vertices.put(v, copy);
            inputs.put(v, in);
        }
        conf.getVertices().clear();
        conf.getVertices().putAll(vertices);
        conf.getVertexInputs().clear();
        conf.getVertexInputs().putAll(inputs);
        conf.setNetworkInputs(new ArrayList<>(List.of("input")));
        conf.setNetworkOutputs(new ArrayList<>(List.of(logitsVertex)));
        conf.getDefaultConfiguration().setSeed(Seeds.usable(seed));
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        conf.setIterationCount(0);
        conf.setEpochCount(0);
        ComputationGraph branch = new ComputationGraph(conf);
        branch.init();
        return branch;
    }

    /** Vertices reachable from {@code from} (excluding it and tap outputs), in a topological order. */
    private static List<String> downstreamOf(ComputationGraphConfiguration conf, String from) {
        Set<String> reached = new LinkedHashSet<>();
        boolean grew = true;
        Set<String> frontier = new LinkedHashSet<>(List.of(from));
        while (grew) {
            grew = false;
            for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
                String v = e.getKey();
                if (!reached.contains(v) && !v.startsWith(TAP_PREFIX)
                        && e.getValue().stream().anyMatch(i -> frontier.contains(i) || reached.contains(i))) {
                    reached.add(v);
                    grew = true;
                }
            }
        }
        // order: a vertex after all of its (reached) inputs
        List<String> ordered = new ArrayList<>();
        Set<String> placed = new LinkedHashSet<>();
        while (ordered.size() < reached.size()) {
            for (String v : reached) {
                if (!placed.contains(v) && conf.getVertexInputs().get(v).stream()
                        .allMatch(i -> !reached.contains(i) || placed.contains(i))) {
                    ordered.add(v);
                    placed.add(v);
                }
            }
        }
        return ordered;
    }

    private static void copyTraining(FeedForwardLayer template, BaseLayer to) {
        copyTraining(template, to, false);
    }

    /** The template's updaters and regularisation (always when {@code replace}, else where unset) and init. */
    private static void copyTraining(FeedForwardLayer template, BaseLayer to, boolean replace) {
        if (replace || to.getIUpdater() == null) {
            to.setIUpdater(template.getIUpdater());
            to.setBiasUpdater(template.getBiasUpdater());
            to.setRegularization(template.getRegularization());
            to.setRegularizationBias(template.getRegularizationBias());
        }
        if (to.getWeightInitFn() == null) {
            to.setWeightInitFn(template.getWeightInitFn());
            to.setBiasInit(template.getBiasInit());
        }
    }
}
