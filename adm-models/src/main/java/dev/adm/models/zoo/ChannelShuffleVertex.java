package dev.adm.models.zoo;

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
 * ShuffleNet's channel shuffle (Zhang et al., 2018) for NCHW activations:
 * {@code [N,C,H,W] -> [N,g,C/g,H,W] -> [N,C/g,g,H,W] -> [N,C,H,W]}; backward applies the inverse
 * permutation. DL4J 1.0.0-M2.1 has no such vertex; a graph that uses this one needs adm-models on the
 * class path to be loaded.
 */
public final class ChannelShuffleVertex extends GraphVertex {
    private int groups;

    /** For deserialisation. */
    public ChannelShuffleVertex() {
    }

    public ChannelShuffleVertex(int groups) {
        Preconditions.checkArgument(groups > 0, "groups must be positive, got %s", groups);
        this.groups = groups;
    }

    public int getGroups() {
        return groups;
    }

    public void setGroups(int groups) {
        this.groups = groups;
    }

    @Override
    public GraphVertex clone() {
        return new ChannelShuffleVertex(groups);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelShuffleVertex v && v.groups == groups;
    }

    @Override
    public int hashCode() {
        return 31 * groups + 7;
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 1;
    }

    @Override
    public int maxVertexInputs() {
        return 1;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new Impl(graph, name, idx, groups, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional) vertexInputs[0];
        Preconditions.checkArgument(in.getChannels() % groups == 0, "%s channels do not split into %s groups",
                in.getChannels(), groups);
        return in;
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        return new LayerMemoryReport.Builder(null, ChannelShuffleVertex.class, inputTypes[0], inputTypes[0])
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    /** Moves channel {@code i * C/a + j} to {@code j * a + i} (a = groups): the shuffle and, with a = C/g, its inverse. */
    static INDArray permuteChannels(INDArray x, long a) {
        long n = x.size(0);
        long c = x.size(1);
        long h = x.size(2);
        long w = x.size(3);
        INDArray src = x.ordering() == 'c' && !x.isView() ? x : x.dup('c');
        return src.reshape('c', n, a, c / a, h, w).permute(0, 2, 1, 3, 4).dup('c').reshape('c', n, c, h, w);
    }

    /** The runtime vertex. */
    static final class Impl extends BaseGraphVertex {
        private final int groups;

        Impl(ComputationGraph graph, String name, int idx, int groups, DataType dataType) {
            super(graph, name, idx, null, null, dataType);
            this.groups = groups;
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
            try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATIONS)) {
                return permuteChannels(inputs[0], groups);
            }
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATION_GRAD)) {
                return new Pair<>(null, new INDArray[]{permuteChannels(epsilon, epsilon.size(1) / groups)});
            }
        }

        @Override
        public void setBackpropGradientsViewArray(INDArray view) {
            Preconditions.checkArgument(view == null, "channel shuffle has no parameters");
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] masks, MaskState state, int minibatch) {
            return masks == null || masks.length == 0 ? null : new Pair<>(masks[0], state);
        }

        @Override
        public String toString() {
            return "ChannelShuffleVertex(name=" + vertexName + ", groups=" + groups + ")";
        }
    }
}
