package org.deeplearning4j.nn.graph;

import org.deeplearning4j.nn.api.FwdPassType;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * Bridge to the forward pass DL4J 1.0.0-M2.1's own {@code fit} uses; not for direct use.
 *
 * <p>{@code ComputationGraph.fit} keeps every activation of a step in one workspace,
 * {@code WS_ALL_LAYERS_ACT}, that it reuses from step to step. The public {@code feedForward} instead
 * allocates each activation afresh, and fresh native memory costs page faults on every step (a fifth of a
 * distillation step's CPU time in a profile). The engine's forward and backward passes are separate calls
 * with its loss graph between them, so it needs the workspace variant, which DL4J keeps protected; this
 * class, in DL4J's package, exposes exactly that call and the workspace it needs.
 */
public final class ActivationWorkspace {
    private ActivationWorkspace() {
    }

    /** Whether {@code graph} runs in workspaces in training and inference (DL4J's default). */
    public static boolean supported(ComputationGraph graph) {
        return graph.getConfiguration().getTrainingWorkspaceMode() != WorkspaceMode.NONE
                && graph.getConfiguration().getInferenceWorkspaceMode() != WorkspaceMode.NONE;
    }

    /**
     * Opens and activates {@code WS_ALL_LAYERS_ACT} on this thread with DL4J's configuration; arrays created
     * while it is open are valid until it is closed, and its memory is reused by the next opening.
     */
    public static MemoryWorkspace open() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(ComputationGraph.WS_ALL_LAYERS_ACT_CONFIG,
                ComputationGraph.WS_ALL_LAYERS_ACT);
    }

    /**
     * {@code graph.feedForward(input, train, clearInputs)} with the activations in the open workspace
     * (see {@link #open}): every vertex's activation by vertex name.
     */
    public static Map<String, INDArray> feedForward(ComputationGraph graph, INDArray[] input, boolean train,
                                                    boolean clearInputs) {
        return graph.ffToLayerActivationsInWS(train, -1, null, FwdPassType.STANDARD, false, input, null, null,
                clearInputs);
    }
}
