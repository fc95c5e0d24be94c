package dev.adm.bench;

import dev.adm.core.backend.ConvolutionCache;
import dev.adm.core.backend.FastBatchNormHelper;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ActivationWorkspace;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The same block as {@link BlockedConvBnRelu} built from DL4J's layers, as the zoo's networks build it (a 3x3
 * convolution without bias, {@code BatchNormalization}, a ReLU {@code ActivationLayer}) and as the engine trains
 * them (convolution cache on, {@link FastBatchNormHelper}). {@link #trainingPass} runs it as the engine runs a
 * network (the graph's forward pass in an activation workspace, then its backward pass from an output gradient);
 * {@link #step} runs each layer's {@code activate} and {@code backpropGradient} by hand, to expose the input
 * gradient too.
 */
final class Dl4jConvBnRelu {

    private final ComputationGraph graph;
    private final Layer conv;
    private final Layer bn;
    private final Layer relu;
    private final LayerWorkspaceMgr workspaces = LayerWorkspaceMgr.noWorkspaces();
    private INDArray output;
    private INDArray inputGradient;
    private Gradient convGradient;
    private Gradient bnGradient;

    Dl4jConvBnRelu(int channels, int height, int width, long seed) {
        graph = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).stride(1, 1).padding(1, 1).nIn(channels)
                        .nOut(channels).hasBias(false).activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().nOut(channels).build(), "conv")
                .addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn")
                .setOutputs("relu").setInputTypes(InputType.convolutional(height, width, channels)).build());
        graph.init();
        graph.initGradientsView();
        ConvolutionCache.enable(graph);
        FastBatchNormHelper.install(graph);
        conv = graph.getLayer("conv");
        bn = graph.getLayer("bn");
        relu = graph.getLayer("relu");
    }

    /** The engine's forward and backward pass; returns the graph's gradient (keys {@code conv_W}, {@code bn_gamma}). */
    Gradient trainingPass(INDArray input, INDArray outputGradient) {
        try (MemoryWorkspace ignored = ActivationWorkspace.open()) {
            ActivationWorkspace.feedForward(graph, new INDArray[] {input}, true, false);
            Gradient g = graph.backpropGradient(outputGradient);
            ConvolutionCache.clear(graph);
            return g;
        }
    }

    /** One forward and backward pass layer by layer, {@code outputGradient} being the output's gradient. */
    void step(INDArray input, INDArray outputGradient) {
        output = relu.activate(bn.activate(conv.activate(input, true, workspaces), true, workspaces), true,
                workspaces);
        Pair<Gradient, INDArray> r = relu.backpropGradient(outputGradient, workspaces);
        Pair<Gradient, INDArray> b = bn.backpropGradient(r.getSecond(), workspaces);
        Pair<Gradient, INDArray> c = conv.backpropGradient(b.getSecond(), workspaces);
        bnGradient = b.getFirst();
        convGradient = c.getFirst();
        inputGradient = c.getSecond();
        ConvolutionCache.clear(graph);
    }

    INDArray weights() {
        return conv.getParam("W");
    }

    INDArray gamma() {
        return bn.getParam("gamma");
    }

    INDArray beta() {
        return bn.getParam("beta");
    }

    INDArray output() {
        return output;
    }

    INDArray inputGradient() {
        return inputGradient;
    }

    INDArray weightGradient() {
        return convGradient.getGradientFor("W");
    }

    INDArray gammaGradient() {
        return bnGradient.getGradientFor("gamma");
    }

    INDArray betaGradient() {
        return bnGradient.getGradientFor("beta");
    }
}
