package dev.adm.core.testing;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Small classifier graphs for engine and backend tests: conv -> (BN) -> feat -> GAP -> logits. */
public final class TinyGraphs {
    private TinyGraphs() {
    }

    /**
     * {@code input [c,h,w] -> conv3x3 (tanh, "feat", channels k) -> GAP "pool" -> softmax output "logits"}.
     * Smooth (tanh, no BN) so finite differences are exact enough in double.
     */
    public static ComputationGraph smooth(int c, int h, int w, int k, int classes, long seed, DataType type) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(type)
                .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs("input").setInputTypes(InputType.convolutional(h, w, c))
                .addLayer("feat", new ConvolutionLayer.Builder(3, 3).nOut(k).activation(Activation.TANH).build(), "input")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "feat")
                .addLayer("logits", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("logits").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /**
     * {@code input -> conv "stage1" (tanh, k1) -> conv "stage2" (tanh, k2; the feat map) -> GAP "pool" -> "logits"}:
     * a smooth two-stage network for methods that split a network (ONE, SOKD) or match hints (FitNet).
     * Tap alias {@code feat -> stage2}.
     */
    public static ComputationGraph twoStage(int c, int h, int w, int k1, int k2, int classes, long seed,
                                            DataType type) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(type)
                .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs("input").setInputTypes(InputType.convolutional(h, w, c))
                .addLayer("stage1", new ConvolutionLayer.Builder(3, 3).nOut(k1).activation(Activation.TANH).build(),
                        "input")
                .addLayer("stage2", new ConvolutionLayer.Builder(3, 3).nOut(k2).activation(Activation.TANH).build(),
                        "stage1")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "stage2")
                .addLayer("logits", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("logits").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /**
     * A dense (per-pixel) predictor: {@code input -> conv "feat" (tanh, k) -> 1x1 conv "logits" (identity,
     * classes channels)}, same spatial size as the input.
     */
    public static ComputationGraph dense(int c, int h, int w, int k, int classes, long seed, DataType type) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(type)
                .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs("input").setInputTypes(InputType.convolutional(h, w, c))
                .addLayer("feat", new ConvolutionLayer.Builder(3, 3).nOut(k).activation(Activation.TANH).build(), "input")
                .addLayer("logits", new ConvolutionLayer.Builder(1, 1).nOut(classes).activation(Activation.IDENTITY)
                        .build(), "feat")
                .setOutputs("logits").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /**
     * A dense-prediction network whose {@code feat} map has half the input size (a stride-2 conv), upsampled
     * (nearest) before the 1x1 classifier: per-pixel logits at the input size, as the segmentation heads give.
     */
    public static ComputationGraph denseStrided(int c, int h, int w, int k, int classes, long seed, DataType type) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(type)
                .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs("input").setInputTypes(InputType.convolutional(h, w, c))
                .addLayer("feat", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(k).activation(Activation.TANH)
                        .build(), "input")
                .addLayer("up", new Upsampling2D.Builder(2).build(), "feat")
                .addLayer("logits", new ConvolutionLayer.Builder(1, 1).nOut(classes).activation(Activation.IDENTITY)
                        .build(), "up")
                .setOutputs("logits").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** A float network with conv, batch norm and max pooling: the layers that have oneDNN helpers. */
    public static ComputationGraph withHelperLayers(long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .updater(new Sgd(0.1)).weightInit(WeightInit.RELU).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs("input").setInputTypes(InputType.convolutional(8, 8, 1))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build(),
                        "input")
                .addLayer("bn", new BatchNormalization.Builder().activation(Activation.RELU).build(), "conv")
                .addLayer("maxpool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).build(), "bn")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "maxpool")
                .addLayer("logits", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("logits").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }
}
