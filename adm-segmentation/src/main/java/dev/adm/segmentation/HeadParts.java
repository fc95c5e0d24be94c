package dev.adm.segmentation;

import dev.adm.core.engine.GraphEdits;
import dev.adm.models.zoo.BilinearResizeVertex;
import dev.adm.models.zoo.ModelConfig;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.nd4j.linalg.activations.Activation;

/** The layer groups the segmentation heads share. */
final class HeadParts {
    private HeadParts() {
    }

    /**
     * The FCN block every head ends with: a 3x3 conv + BN + ReLU ({@code <prefix>_bn}, the decoder map), a bilinear
     * resize to the input size, and a 1x1 classifier {@code output}. The classifier comes after the resize: both
     * are linear and a bilinear resize preserves constants, so the logits are the same, and the head's last layer
     * is then the logits layer the engine expects.
     */
    static void fcnBlock(GraphEdits.Extension e, String prefix, String output, String in, long nIn, long width,
                         ModelConfig config) {
        convBnRelu(e, prefix + "_conv", in, nIn, width, 3, 1);
        e.vertex(prefix + "_up", new BilinearResizeVertex(config.height(), config.width()), prefix + "_conv_bn");
        e.layer(output, new ConvolutionLayer.Builder(1, 1).nIn(width).nOut(config.numClasses())
                .convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY).build(), prefix + "_up");
    }

    /** A bias-free conv keeping the spatial size, then batch norm with ReLU, named {@code <name>_bn}. */
    static void convBnRelu(GraphEdits.Extension e, String name, String in, long nIn, long nOut, int kernel,
                           int dilation) {
        int pad = dilation * (kernel - 1) / 2;
        e.layer(name, new ConvolutionLayer.Builder(kernel, kernel).nIn(nIn).nOut(nOut).dilation(dilation, dilation)
                .padding(pad, pad).convolutionMode(ConvolutionMode.Truncate).hasBias(false)
                .activation(Activation.IDENTITY).build(), in);
        e.layer(name + "_bn", new BatchNormalization.Builder().nIn(nOut).nOut(nOut).activation(Activation.RELU).build(),
                name);
    }
}
