package dev.adm.examples;

import dev.adm.core.Distiller;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelZoo;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;

/**
 * Online ADM: a ResNet-14 teacher and a ResNet-8 student from the zoo learn together from a plain DL4J iterator.
 * The networks passed in are the ones trained: their listeners fire, and afterwards they hold the trained weights.
 */
public final class OnlineAdm {
    /** What the example shows: the student's scores per step, the student itself and its exported classifier. */
    public record Result(ScoreRecorder studentScores, ComputationGraph student, ComputationGraph exported,
                         double testAccuracy) {
    }

    public static Result run(int images, int epochs) {
        ModelConfig cfg = ModelConfig.builder().input(1, 28, 28).classes(ExampleData.CLASSES).seed(1).build();
        ComputationGraph teacher = ModelZoo.get("resnet14").build(cfg);
        ComputationGraph student = ModelZoo.get("resnet8").build(cfg);
        ScoreRecorder scores = new ScoreRecorder();
        student.setListeners(new ScoreIterationListener(10), scores);

        Distiller distiller = Distiller.builder("adm")
                .param("tau", "0.5")
                .teacher(teacher)
                .student(student)
                .build();
        distiller.fit(ExampleData.train(images, 64), epochs);

        double accuracy = student.evaluate(ExampleData.test(500, 100)).accuracy(); // DL4J's own evaluation
        return new Result(scores, student, distiller.export("student"), accuracy);
    }

    public static void main(String[] args) {
        Result r = run(1024, 2);
        double[] loss = r.studentScores().firstAndLast(4);
        System.out.printf("student loss %.3f -> %.3f, test accuracy %.3f%n", loss[0], loss[1], r.testAccuracy());
    }
}
