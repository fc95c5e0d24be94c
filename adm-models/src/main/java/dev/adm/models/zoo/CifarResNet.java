package dev.adm.models.zoo;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Map;

/**
 * CIFAR-style ResNet (He et al., 2016, arXiv 1512.03385) as defined in RepDistiller / mdistiller's
 * {@code resnet.py}: a 3x3 stem, three stages of {@code n = (depth - 2) / 6} basic blocks with
 * {@code 16k, 32k, 64k} channels (stride 2 at stages 2 and 3; stem {@code 16k}, or {@code 32k} for the
 * "x4" models whose stages are 64, 128, 256), 1x1-conv + BN shortcuts where the shape changes, global
 * average pooling and a linear classifier. Convolutions have no bias; padding follows PyTorch exactly
 * (explicit, {@link ConvolutionMode#Truncate}).
 *
 * <p>Vertices: {@code stem}; per block {@code s<S>_b<B>_{conv1,bn1,relu1,conv2,bn2,sc_conv,sc_bn,add}} and its
 * output {@code s<S>_b<B>}; each stage's last block output is named {@code stage<S>}; {@code pool};
 * {@code logits} (softmax output layer). Taps: {@code stem}, {@code stage1..3}, {@code feat = stage3},
 * {@code pool}, {@code logits}. For 1x28x28 input, {@code feat} is {@code [64k,7,7]}.
 */
public final class CifarResNet implements ModelSpec {
    private final String name;
    private final int depth;
    private final int stemChannels;
    private final int[] stageChannels;

    private CifarResNet(String name, int depth, int stemChannels, int... stageChannels) {
        Preconditions.checkArgument((depth - 2) % 6 == 0, "CIFAR ResNet depth must be 6n+2, got %s", depth);
        this.name = name;
        this.depth = depth;
        this.stemChannels = stemChannels;
        this.stageChannels = stageChannels;
    }

    /** resnet{depth}: stages 16, 32, 64. */
    public static CifarResNet standard(int depth) {
        return new CifarResNet("resnet" + depth, depth, 16, 16, 32, 64);
    }

    /** resnet{depth}x4: stem 32, stages 64, 128, 256. */
    public static CifarResNet wide4(int depth) {
        return new CifarResNet("resnet" + depth + "x4", depth, 32, 64, 128, 256);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return String.format("CIFAR ResNet-%d, %d basic blocks per stage, channels %d/%d/%d", depth, (depth - 2) / 6,
                stageChannels[0], stageChannels[1], stageChannels[2]);
    }

    @Override
    public Map<String, String> tapAliases() {
        return Map.of("feat", "stage3");
    }

    @Override
    public ComputationGraph build(ModelConfig cfg) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(cfg.seed())
                .dataType(cfg.dataType())
                .updater(cfg.updater())
                .l2(cfg.l2())
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Truncate)
                .graphBuilder()
                .addInputs("input")
                .setInputTypes(InputType.convolutional(cfg.height(), cfg.width(), cfg.channels()));

        String x = convBnRelu(g, "stem", "input", cfg.channels(), stemChannels);
        int in = stemChannels;
        int blocks = (depth - 2) / 6;
        for (int s = 0; s < stageChannels.length; s++) {
            for (int b = 0; b < blocks; b++) {
                int stride = (s > 0 && b == 0) ? 2 : 1;
                String out = b == blocks - 1 ? "stage" + (s + 1) : "s" + (s + 1) + "_b" + b;
                x = basicBlock(g, "s" + (s + 1) + "_b" + b, out, x, in, stageChannels[s], stride);
                in = stageChannels[s];
            }
        }
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x);
        g.addLayer("logits", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(in).nOut(cfg.numClasses()).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER)
                .build(), "pool");
        g.setOutputs("logits");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    private static String convBnRelu(ComputationGraphConfiguration.GraphBuilder g, String name, String input,
                                     int in, int out) {
        g.addLayer(name + "_conv", conv3x3(in, out, 1), input);
        g.addLayer(name + "_bn", new BatchNormalization.Builder().nOut(out).build(), name + "_conv");
        g.addLayer(name, new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_bn");
        return name;
    }

    private static String basicBlock(ComputationGraphConfiguration.GraphBuilder g, String p, String out, String input,
                                     int in, int planes, int stride) {
        g.addLayer(p + "_conv1", conv3x3(in, planes, stride), input);
        g.addLayer(p + "_bn1", new BatchNormalization.Builder().nOut(planes).build(), p + "_conv1");
        g.addLayer(p + "_relu1", new ActivationLayer.Builder().activation(Activation.RELU).build(), p + "_bn1");
        g.addLayer(p + "_conv2", conv3x3(planes, planes, 1), p + "_relu1");
        g.addLayer(p + "_bn2", new BatchNormalization.Builder().nOut(planes).build(), p + "_conv2");
        String shortcut = input;
        if (stride != 1 || in != planes) {
            g.addLayer(p + "_sc_conv", new ConvolutionLayer.Builder(1, 1).stride(stride, stride).padding(0, 0)
                    .nIn(in).nOut(planes).hasBias(false).activation(Activation.IDENTITY).build(), input);
            g.addLayer(p + "_sc_bn", new BatchNormalization.Builder().nOut(planes).build(), p + "_sc_conv");
            shortcut = p + "_sc_bn";
        }
        g.addVertex(p + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), p + "_bn2", shortcut);
        g.addLayer(out, new ActivationLayer.Builder().activation(Activation.RELU).build(), p + "_add");
        return out;
    }

    private static ConvolutionLayer conv3x3(int in, int out, int stride) {
        return new ConvolutionLayer.Builder(3, 3).stride(stride, stride).padding(1, 1)
                .nIn(in).nOut(out).hasBias(false).activation(Activation.IDENTITY).build();
    }
}
