package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adds a per-sample vector to every location of a feature map: {@code out[b,c,h,w] = map[b,c,h,w] + v[b,c]}, how
 * a U-Net block receives its timestep embedding. Inputs: the map {@code [B,C,H,W]}, then the vector {@code [B,C]}.
 * Backward: the map's error passes through; the vector's is the error summed over the locations.
 */
public final class ChannelBiasVertex extends GraphVertex {
    @Override
    public GraphVertex clone() {
        return new ChannelBiasVertex();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelBiasVertex;
    }

    @Override
    public int hashCode() {
        return ChannelBiasVertex.class.hashCode();
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 2;
    }

    @Override
    public int maxVertexInputs() {
        return 2;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new Runtime(graph, name, idx, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        Preconditions.checkArgument(vertexInputs.length == 2
                        && vertexInputs[0] instanceof InputType.InputTypeConvolutional map
                        && vertexInputs[1].arrayElementsPerExample() == map.getChannels(),
                "ChannelBiasVertex takes a [C,H,W] map and a [C] vector, got %s", java.util.Arrays.toString(vertexInputs));
        return vertexInputs[0];
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        return new LayerMemoryReport.Builder(null, getClass(), inputTypes[0], inputTypes[0])
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    static final class Runtime extends BaseGraphVertex {
        Runtime(ComputationGraph graph, String name, int idx, DataType dataType) {
            super(graph, name, idx, null, null, dataType);
        }

        @Override
        public boolean hasLayer() {
            return false;
        }

        @Override
        public Layer getLayer() {
            return null;
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            INDArray map = inputs[0];
            INDArray v = inputs[1];
            try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATIONS)) {
                return map.add(v.reshape(v.size(0), v.size(1), 1, 1));
            }
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATION_GRAD)) {
                return new Pair<>(null, new INDArray[]{epsilon.dup(), epsilon.sum(2, 3)});
            }
        }

        @Override
        public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
            Preconditions.checkArgument(backpropGradientsViewArray == null, "%s has no parameters", vertexName);
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                                                               int minibatchSize) {
            return maskArrays == null || maskArrays.length == 0 ? null : new Pair<>(maskArrays[0], currentMaskState);
        }

        @Override
        public String toString() {
            return "ChannelBiasVertex(name=" + vertexName + ")";
        }
    }
}
