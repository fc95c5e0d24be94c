package dev.adm.examples;

import dev.adm.core.Distiller;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelZoo;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * DML between a zoo ComputationGraph and a {@code MultiLayerNetwork} student that reads flat 784-pixel rows, as
 * DL4J's MNIST iterators give them; the rows are shaped into images for the graph, and the student is trained in
 * place.
 */
public final class MultiLayerStudent {
    /** The student's parameters before and after, its iteration count and its test accuracy. */
    public record Result(INDArray paramsBefore, MultiLayerNetwork student, double testAccuracy) {
    }

    public static Result run(int images, int epochs) {
        ModelConfig cfg = ModelConfig.builder().input(1, 28, 28).classes(ExampleData.CLASSES).seed(3).build();
        ComputationGraph peer = ModelZoo.get("resnet8").build(cfg);
        MultiLayerNetwork student = multiLayerCnn(4);
        INDArray before = student.params().dup();

        Distiller distiller = Distiller.builder("dml").teacher(peer).student(student).build();
        distiller.fit(ExampleData.trainRows(images, 64), epochs);
        return new Result(before, student, student.evaluate(ExampleData.testRows(500, 100)).accuracy());
    }

    static MultiLayerNetwork multiLayerCnn(long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.FLOAT).updater(new Adam(5e-3)).weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(32).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(64).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().activation(Activation.RELU).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(ExampleData.CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)) // reads [B,784] rows
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    public static void main(String[] args) {
        Result r = run(1024, 2);
        System.out.printf("student trained %d iterations in place, test accuracy %.3f%n",
                r.student().getIterationCount(), r.testAccuracy());
    }
}
