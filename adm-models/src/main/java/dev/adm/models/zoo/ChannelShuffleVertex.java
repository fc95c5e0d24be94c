package dev.adm.models.zoo;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
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
public final class ChannelShuffleVertex extends SingleInputVertex {
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
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new Runtime(graph, name, idx, groups, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional) vertexInputs[0];
        Preconditions.checkArgument(in.getChannels() % groups == 0, "%s channels do not split into %s groups",
                in.getChannels(), groups);
        return in;
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
    static final class Runtime extends SingleInputVertex.Impl {
        private final int groups;

        Runtime(ComputationGraph graph, String name, int idx, int groups, DataType dataType) {
            super(graph, name, idx, dataType);
            this.groups = groups;
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
        public String toString() {
            return "ChannelShuffleVertex(name=" + vertexName + ", groups=" + groups + ")";
        }
    }
}
