package dev.adm.core;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.Role;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.util.Collection;
import java.util.List;

/**
 * A network the user handed to a {@link Distiller}, kept in step with the engine's live graph of it: the user's
 * {@link ComputationGraph} or {@link MultiLayerNetwork} holds the trained parameters, updater state and counts.
 */
final class UserNetwork {
    private static final Logger log = LoggerFactory.getLogger(UserNetwork.class);
    final String name;
    final Role role;
    final boolean trainable;
    private final Model model;
    private final ComputationGraph graph; // the model itself, or a multi-layer network's graph form
    private ComputationGraph live;
    private StateCopy toUser;
    private boolean gradientHidden;

    UserNetwork(String name, Role role, boolean trainable, Model model) {
        Preconditions.checkArgument(model instanceof ComputationGraph || model instanceof MultiLayerNetwork,
                "network '%s' is a %s; give a ComputationGraph or a MultiLayerNetwork", name,
                model == null ? null : model.getClass().getName());
        this.name = name;
        this.role = role;
        this.trainable = trainable;
        this.model = model;
        if (model instanceof MultiLayerNetwork m) {
            Preconditions.checkArgument(m.getLayers() != null, "network '%s' is not initialised: call init() first",
                    name);
            this.graph = m.toComputationGraph(); // DL4J's own conversion: same parameter and updater layout
        } else {
            ComputationGraph g = (ComputationGraph) model;
            Preconditions.checkArgument(g.getLayers() != null, "network '%s' is not initialised: call init() first",
                    name);
            this.graph = g;
        }
    }

    /** The graph the engine starts from. */
    ComputationGraph graph() {
        return graph;
    }

    /** The network as the user passed it: what their listeners are given. */
    Model model() {
        return model;
    }

    Collection<TrainingListener> listeners() {
        Collection<TrainingListener> l = model instanceof MultiLayerNetwork m ? m.getListeners()
                : ((ComputationGraph) model).getListeners();
        return l == null ? List.of() : l;
    }

    /**
     * Starts following the engine's live graph of this network: the live graph takes the user's updater state and
     * counts (a network trained before goes on where it stopped), and calls the user's listeners from now on.
     */
    void follow(ComputationGraph liveGraph) {
        this.live = liveGraph;
        if (liveGraph == graph) {
            return; // the engine trains the user's graph itself
        }
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            StateCopy.between(graph, liveGraph).run();
            this.toUser = StateCopy.between(liveGraph, graph);
        }
        liveGraph.setListeners(new ListenerBridge(this));
    }

    /** Writes the live graph's state into the user's network. */
    void sync() {
        if (toUser == null) {
            return;
        }
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            toUser.run();
            if (model instanceof MultiLayerNetwork m) {
                m.params().assign(graph.params());
                INDArray from = graph.getUpdater().getStateViewArray();
                INDArray to = m.getUpdater().getStateViewArray();
                if (from != null && to != null) {
                    to.assign(from);
                }
                m.getLayerWiseConfigurations().setIterationCount(graph.getConfiguration().getIterationCount());
                m.getLayerWiseConfigurations().setEpochCount(graph.getConfiguration().getEpochCount());
                m.setScore(graph.score());
            }
        }
    }

    /**
     * Shows the live graph's gradient of this step as the user's network's {@code gradient()} (listeners such as
     * DL4J's {@code StatsListener} read it). DL4J has no setter for it; {@code fit} sets the field itself.
     */
    /** Puts a step's batch on the user's network, where {@code fit} has it while it calls listeners. */
    void showBatch(INDArray[] features, INDArray labels) {
        if (model instanceof MultiLayerNetwork m) {
            m.setInput(features[0]);
            m.setLabels(labels);
        } else if (features.length == graph.getNumInputArrays()) {
            graph.setInputs(features);
            graph.setLabels(labels);
        }
    }

    /** Takes the batch off again, so the network holds no reference to it after the step. */
    void hideBatch() {
        if (model instanceof MultiLayerNetwork m) {
            m.setInput(null);
            m.setLabels(null);
        } else {
            graph.setInputs((INDArray[]) null);
            graph.setLabels((INDArray[]) null);
        }
    }

    void showGradient() {
        Gradient g = live.gradient();
        Class<?> type = model instanceof MultiLayerNetwork ? MultiLayerNetwork.class : ComputationGraph.class;
        try {
            Field f = type.getDeclaredField("gradient");
            f.setAccessible(true);
            f.set(model, g);
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (!gradientHidden) { // training is unaffected; only a listener reading gradient() sees none
                gradientHidden = true;
                log.warn("network '{}': its listeners cannot be shown the step's gradient ({})", name, e.toString());
            }
        }
    }
}
