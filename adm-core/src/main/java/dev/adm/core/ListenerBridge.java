package dev.adm.core;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The listener a {@link Distiller} puts on the engine's live graph of a user's network: it calls the listeners the
 * user set on that network, with the user's network as the model, brought up to date first where a listener may
 * read or save it (each iteration and epoch end).
 */
final class ListenerBridge extends BaseTrainingListener {
    private final UserNetwork user;

    ListenerBridge(UserNetwork user) {
        this.user = user;
    }

    @Override
    public void onEpochStart(Model live) {
        user.listeners().forEach(l -> l.onEpochStart(user.model()));
    }

    @Override
    public void onEpochEnd(Model live) {
        if (!user.listeners().isEmpty()) {
            user.sync();
            user.listeners().forEach(l -> l.onEpochEnd(user.model()));
        }
    }

    @Override
    public void onForwardPass(Model live, List<INDArray> activations) {
        user.listeners().forEach(l -> l.onForwardPass(user.model(), activations));
    }

    /**
     * A multi-layer network's listeners get the list {@code MultiLayerNetwork.fit} gives them: the input, then each
     * layer's output (its graph form names the layers {@code 0, 1, ...}; the last holds the raw logits).
     */
    @Override
    public void onForwardPass(Model live, Map<String, INDArray> activations) {
        if (user.model() instanceof MultiLayerNetwork m) {
            List<INDArray> list = new ArrayList<>();
            list.add(activations.get(user.graph().getConfiguration().getNetworkInputs().get(0)));
            for (int i = 0; i < m.getnLayers(); i++) {
                list.add(activations.get(String.valueOf(i)));
            }
            user.listeners().forEach(l -> l.onForwardPass(m, list));
        } else {
            user.listeners().forEach(l -> l.onForwardPass(user.model(), activations));
        }
    }

    @Override
    public void onGradientCalculation(Model live) {
        if (!user.listeners().isEmpty()) {
            user.showGradient();
            user.listeners().forEach(l -> l.onGradientCalculation(user.model()));
        }
    }

    @Override
    public void onBackwardPass(Model live) {
        user.listeners().forEach(l -> l.onBackwardPass(user.model()));
    }

    @Override
    public void iterationDone(Model live, int iteration, int epoch) {
        if (!user.listeners().isEmpty()) {
            user.sync();
            user.listeners().forEach(l -> l.iterationDone(user.model(), iteration, epoch));
        }
    }
}
