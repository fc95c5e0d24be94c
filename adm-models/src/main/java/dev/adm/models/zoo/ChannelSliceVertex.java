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
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Channels {@code [from, to)} of an NCHW activation. DL4J's {@code SubsetVertex} would do, but in
 * 1.0.0-M2.1 it reports {@code from - to + 1} channels as its CNN output type, which breaks shape inference.
 */
public final class ChannelSliceVertex extends SingleInputVertex {
    private int from;
    private int to;

    /** For deserialisation. */
    public ChannelSliceVertex() {
    }

    public ChannelSliceVertex(int from, int to) {
        Preconditions.checkArgument(0 <= from && from < to, "bad channel range [%s,%s)", from, to);
        this.from = from;
        this.to = to;
    }

    public int getFrom() {
        return from;
    }

    public void setFrom(int from) {
        this.from = from;
    }

    public int getTo() {
        return to;
    }

    public void setTo(int to) {
        this.to = to;
    }

    @Override
    public GraphVertex clone() {
        return new ChannelSliceVertex(from, to);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelSliceVertex v && v.from == from && v.to == to;
    }

    @Override
    public int hashCode() {
        return 31 * from + to;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new Runtime(graph, name, idx, from, to, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional) vertexInputs[0];
        Preconditions.checkArgument(to <= in.getChannels(), "cannot take channels [%s,%s) of %s", from, to,
                in.getChannels());
        return InputType.convolutional(in.getHeight(), in.getWidth(), to - from, in.getFormat());
    }

    /** The runtime vertex. */
    static final class Runtime extends SingleInputVertex.Impl {
        private final int from;
        private final int to;

        Runtime(ComputationGraph graph, String name, int idx, int from, int to, DataType dataType) {
            super(graph, name, idx, dataType);
            this.from = from;
            this.to = to;
        }

        private INDArrayIndex[] range() {
            return new INDArrayIndex[]{NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all(),
                    NDArrayIndex.all()};
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATIONS)) {
                return inputs[0].get(range()).dup('c');
            }
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            INDArray grad = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), inputs[0].shape(), 'c');
            grad.get(range()).assign(epsilon);
            return new Pair<>(null, new INDArray[]{grad});
        }

        @Override
        public String toString() {
            return "ChannelSliceVertex(name=" + vertexName + ", [" + from + "," + to + "))";
        }
    }
}
