package dev.adm.models.zoo;

import com.google.common.base.Preconditions;
import dev.adm.core.ops.SpatialOps;
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
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bilinear resizing of an NCHW activation to {@code height x width} (PyTorch's sampling with
 * {@code align_corners=False}), as two products with constant interpolation matrices, {@code Y = R X C^T} per
 * map, so the backward pass is exact: {@code dX = R^T dY C}. DL4J M2.1 has only nearest-neighbour
 * {@code Upsampling2D}; segmentation heads use this to bring per-pixel logits to the label size.
 */
public final class BilinearResizeVertex extends SingleInputVertex {
    private int height;
    private int width;

    /** For deserialisation. */
    public BilinearResizeVertex() {
    }

    public BilinearResizeVertex(int height, int width) {
        Preconditions.checkArgument(height > 0 && width > 0, "bad target size %sx%s", height, width);
        this.height = height;
        this.width = width;
    }

    public int getHeight() {
        return height;
    }

    public void setHeight(int height) {
        this.height = height;
    }

    public int getWidth() {
        return width;
    }

    public void setWidth(int width) {
        this.width = width;
    }

    @Override
    public GraphVertex clone() {
        return new BilinearResizeVertex(height, width);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BilinearResizeVertex v && v.height == height && v.width == width;
    }

    @Override
    public int hashCode() {
        return 31 * height + width;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new Runtime(graph, name, idx, height, width, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional) vertexInputs[0];
        return InputType.convolutional(height, width, in.getChannels(), in.getFormat());
    }

    /** The runtime vertex; interpolation matrices are built for the first input size seen, then reused. */
    static final class Runtime extends SingleInputVertex.Impl {
        private final int outH;
        private final int outW;
        private long inH = -1;
        private long inW = -1;
        private INDArray rows; // [outH, inH]
        private INDArray cols; // [outW, inW]

        Runtime(ComputationGraph graph, String name, int idx, int outH, int outW, DataType dataType) {
            super(graph, name, idx, dataType);
            this.outH = outH;
            this.outW = outW;
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            INDArray x = inputs[0];
            if (rows == null || x.size(2) != inH || x.size(3) != inW || rows.dataType() != x.dataType()) {
                try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    inH = x.size(2);
                    inW = x.size(3);
                    rows = SpatialOps.interpolationMatrix(inH, outH, x.dataType());
                    cols = SpatialOps.interpolationMatrix(inW, outW, x.dataType());
                }
            }
            long b = x.size(0);
            long c = x.size(1);
            try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATIONS)) {
                INDArray t = x.dup('c').reshape('c', b * c * inH, inW).mmul(cols.transpose());     // X C^T
                t = t.reshape('c', b * c, inH, outW).permute(0, 2, 1).dup('c').reshape('c', b * c * outW, inH);
                t = t.mmul(rows.transpose());                                                    // (R (X C^T))^T
                return t.reshape('c', b, c, outW, outH).permute(0, 1, 3, 2).dup('c');
            }
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            long b = epsilon.size(0);
            long c = epsilon.size(1);
            try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATION_GRAD)) {
                INDArray t = epsilon.dup('c').reshape('c', b * c * outH, outW).mmul(cols);          // dY C
                t = t.reshape('c', b * c, outH, inW).permute(0, 2, 1).dup('c').reshape('c', b * c * inW, outH);
                t = t.mmul(rows);                                                                // (R^T dY C)^T
                INDArray grad = t.reshape('c', b, c, inW, inH).permute(0, 1, 3, 2).dup('c');
                return new Pair<>(null, new INDArray[]{grad});
            }
        }

        @Override
        public String toString() {
            return "BilinearResizeVertex(name=" + vertexName + ", " + outH + "x" + outW + ")";
        }
    }
}
