package dev.adm.examples;

import dev.adm.core.Distiller;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelZoo;
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
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;

/**
 * Offline KD: a teacher trained with plain DL4J and saved as a zip is reloaded, frozen, and distilled into a
 * student built by hand (not from the zoo; no vertex is named "logits" or "feat": adm finds them).
 */
public final class OfflineKd {
    /** The teacher's and the distilled student's test accuracy, the student and the exported student reloaded. */
    public record Result(double teacherAccuracy, double studentAccuracy, ComputationGraph student,
                         ComputationGraph reloadedExport) {
    }

    public static Result run(int images, int epochs, File dir) throws IOException {
        ModelConfig cfg = ModelConfig.builder().input(1, 28, 28).classes(ExampleData.CLASSES).seed(2).build();
        ComputationGraph trained = ModelZoo.get("resnet8").build(cfg);
        trained.fit(ExampleData.train(images, 64), epochs); // an ordinary DL4J fit
        File teacherZip = new File(dir, "teacher.zip");
        ModelSerializer.writeModel(trained, teacherZip, true);

        ComputationGraph teacher = ModelSerializer.restoreComputationGraph(teacherZip, false);
        ComputationGraph student = smallCnn(3);
        Distiller distiller = Distiller.builder("kd")
                .param("T", "4")
                .frozenTeacher(teacher) // never updated: offline distillation
                .student(student)
                .build();
        distiller.fit(ExampleData.train(images, 64), epochs);

        File studentZip = new File(dir, "student.zip");
        ModelSerializer.writeModel(distiller.export("student"), studentZip, false);
        return new Result(teacher.evaluate(ExampleData.test(500, 100)).accuracy(),
                student.evaluate(ExampleData.test(500, 100)).accuracy(), student,
                ModelSerializer.restoreComputationGraph(studentZip, false));
    }

    /** conv-bn-relu, max-pool, conv-bn-relu, global average pooling, softmax: a head adm distils as it is. */
    static ComputationGraph smallCnn(long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.FLOAT).updater(new Adam(5e-3)).weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("image").setInputTypes(InputType.convolutional(28, 28, 1))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(32).activation(Activation.IDENTITY)
                        .build(), "image")
                .addLayer("bn1", new BatchNormalization.Builder().activation(Activation.RELU).build(), "conv1")
                .addLayer("pool1", new SubsamplingLayer.Builder(2, 2).stride(2, 2).build(), "bn1")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(64).activation(Activation.IDENTITY)
                        .build(), "pool1")
                .addLayer("bn2", new BatchNormalization.Builder().activation(Activation.RELU).build(), "conv2")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn2")
                .addLayer("classes", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(ExampleData.CLASSES).activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("classes")
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    public static void main(String[] args) throws IOException {
        File dir = java.nio.file.Files.createTempDirectory("adm-offline-kd").toFile();
        Result r = run(1024, 2, dir);
        System.out.printf("teacher %.3f, distilled student %.3f (models in %s)%n", r.teacherAccuracy(),
                r.studentAccuracy(), dir);
    }
}
