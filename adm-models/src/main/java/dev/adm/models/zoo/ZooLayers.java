package dev.adm.models.zoo;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The building blocks every zoo model is made of, so that all of them name vertices the same way and
 * match the PyTorch references layer for layer (explicit padding, bias only where PyTorch has one).
 */
final class ZooLayers {
    private ZooLayers() {
    }

    /** {@code k x k} convolution, stride {@code s}, PyTorch padding {@code p}; identity activation. */
    static String conv(GraphBuilder g, String name, String input, int in, int out, int k, int s, int p,
                       boolean bias) {
        g.addLayer(name, new ConvolutionLayer.Builder(k, k).stride(s, s).padding(p, p).nIn(in).nOut(out)
                .hasBias(bias).activation(Activation.IDENTITY).build(), input);
        return name;
    }

    static String bn(GraphBuilder g, String name, String input, int channels) {
        g.addLayer(name, new BatchNormalization.Builder().nOut(channels).build(), input);
        return name;
    }

    static String relu(GraphBuilder g, String name, String input) {
        g.addLayer(name, new ActivationLayer.Builder().activation(Activation.RELU).build(), input);
        return name;
    }

    static String add(GraphBuilder g, String name, String a, String b) {
        g.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), a, b);
        return name;
    }

    /** conv (no bias) -> BN -> ReLU, the vertices named {@code name_conv}, {@code name_bn}, {@code name}. */
    static String convBnRelu(GraphBuilder g, String name, String input, int in, int out, int k, int s, int p) {
        conv(g, name + "_conv", input, in, out, k, s, p, false);
        bn(g, name + "_bn", name + "_conv", out);
        return relu(g, name, name + "_bn");
    }

    /**
     * The residual basic block of He et al.: conv3x3(s)-BN-ReLU-conv3x3-BN, plus a 1x1 conv (stride s) + BN
     * shortcut when the shape changes; the sum ({@code p_add}, the pre-activation) goes through a ReLU
     * named {@code out}.
     */
    static String basicBlock(GraphBuilder g, String p, String out, String input, int in, int planes, int stride) {
        String x = convBnRelu(g, p + "_relu1", input, in, planes, 3, stride, 1);
        conv(g, p + "_conv2", x, planes, planes, 3, 1, 1, false);
        bn(g, p + "_bn2", p + "_conv2", planes);
        String shortcut = shortcut(g, p, input, in, planes, stride);
        return relu(g, out, add(g, p + "_add", p + "_bn2", shortcut));
    }

    /**
     * The bottleneck block (torchvision v1.5 / RepDistiller): 1x1-BN-ReLU, 3x3(s)-BN-ReLU, 1x1 to
     * {@code 4 planes}-BN, shortcut as in {@link #basicBlock}, sum, ReLU.
     */
    static String bottleneck(GraphBuilder g, String p, String out, String input, int in, int planes, int stride) {
        String x = convBnRelu(g, p + "_relu1", input, in, planes, 1, 1, 0);
        x = convBnRelu(g, p + "_relu2", x, planes, planes, 3, stride, 1);
        conv(g, p + "_conv3", x, planes, 4 * planes, 1, 1, 0, false);
        bn(g, p + "_bn3", p + "_conv3", 4 * planes);
        String shortcut = shortcut(g, p, input, in, 4 * planes, stride);
        return relu(g, out, add(g, p + "_add", p + "_bn3", shortcut));
    }

    private static String shortcut(GraphBuilder g, String p, String input, int in, int out, int stride) {
        if (stride == 1 && in == out) {
            return input;
        }
        conv(g, p + "_sc_conv", input, in, out, 1, stride, 0, false);
        return bn(g, p + "_sc_bn", p + "_sc_conv", out);
    }

    /** Global average pooling {@code pool} and the linear classifier {@code logits} (softmax output layer). */
    static void head(GraphBuilder g, String input, int channels, int classes) {
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), input);
        g.addLayer("logits", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(channels).nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "pool");
        g.setOutputs("logits");
    }
}
