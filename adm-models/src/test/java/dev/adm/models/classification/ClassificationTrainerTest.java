package dev.adm.models.classification;

import dev.adm.core.testing.AdmTestBase;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end runs on real (embedded) Fashion-MNIST images, kept short. */
class ClassificationTrainerTest extends AdmTestBase {
    @TempDir
    Path dir;

    private static ClassificationConfig.Builder small(String method, Path out) {
        return ClassificationConfig.builder().method(method).student("resnet8").epochs(2).batchSize(64)
                .learningRate(0.1).trainLimit(1024).embeddedData(true).augment(false).outDir(out).progress(false);
    }

    @Test
    void baselineLearnsAndWritesEveryOutput() throws Exception {
        Path out = dir.resolve("baseline");
        ClassificationTrainer.Result r = ClassificationTrainer.run(small("baseline", out).build());
        double top1 = r.finalTop1().get("student");
        assertTrue(top1 > 0.5, "resnet8 after 2 epochs on 1024 real images should beat 10% chance by far: " + top1);
        for (String f : List.of("metrics.csv", "results.json", "curves.png", "checkpoint.zip", "student.zip")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(3, csv.size());
        assertTrue(csv.get(0).contains("top1:student") && csv.get(0).contains("loss:ce/student"), csv.get(0));
        assertTrue(Files.readString(out.resolve("results.json")).contains("\"finalTop1\""));
        assertEquals(0, Files.list(out).filter(p -> p.getFileName().toString().startsWith(".")).count(),
                "no temporary files left behind");

        ComputationGraph restored = ModelSerializer.restoreComputationGraph(out.resolve("student.zip").toFile());
        assertEquals(List.of("logits"), restored.getConfiguration().getNetworkOutputs());
        assertLoadsWithoutProjectClasses(out.resolve("student.zip"));
    }

    /** Loads the exported model in a fresh JVM whose class path holds DL4J/ND4J but no adm class. */
    private static void assertLoadsWithoutProjectClasses(Path model) throws Exception {
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("adm-core") && !e.contains("adm-models") && !e.contains("adm-cli")
                        && !e.contains("junit") && !e.contains("surefire"))
                .collect(Collectors.joining(File.pathSeparator));
        Path src = model.getParent().resolve("LoadCheck.java");
        Files.writeString(src, """
                public class LoadCheck {
                    public static void main(String[] a) throws Exception {
                        var g = org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(new java.io.File(a[0]));
                        var x = org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 1, 28, 28);
                        try { Class.forName("dev.adm.core.engine.DistillationEngine"); System.out.println("LEAK"); }
                        catch (ClassNotFoundException expected) { }
                        System.out.println("OK " + java.util.Arrays.toString(g.output(x)[0].shape()));
                    }
                }
                """);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", cp, src.toString(), model.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "child JVM timed out");
        assertTrue(output.contains("OK [2, 10]") && !output.contains("LEAK"), output);
    }

    @Test
    void resumedRunEqualsAnUninterruptedOne() throws Exception {
        Path straight = dir.resolve("straight");
        Path split = dir.resolve("split");
        ClassificationTrainer.run(small("dml", straight).teacher("resnet8").trainLimit(256).build());
        ClassificationTrainer.run(small("dml", split).teacher("resnet8").trainLimit(256).stopAfter(1).build());
        assertTrue(Files.exists(split.resolve("checkpoint.zip")));
        assertTrue(!Files.exists(split.resolve("student.zip")), "an interrupted run exports nothing yet");
        IllegalArgumentException changed = assertThrows(IllegalArgumentException.class, () -> ClassificationTrainer.run(
                small("dml", split).teacher("resnet8").trainLimit(256).epochs(3).resume(true).build()));
        assertTrue(changed.getMessage().contains("epochs=2") && changed.getMessage().contains("epochs=3"),
                changed.getMessage());
        ClassificationTrainer.Result resumed = ClassificationTrainer.run(small("dml", split).teacher("resnet8")
                .trainLimit(256).resume(true).build());
        assertEquals(2, resumed.history().size());
        for (String net : List.of("student", "teacher")) {
            ComputationGraph a = ModelSerializer.restoreComputationGraph(straight.resolve(net + ".zip").toFile());
            ComputationGraph b = ModelSerializer.restoreComputationGraph(split.resolve(net + ".zip").toFile());
            assertEquals(a.params(), b.params(), net + " weights differ after resume");
        }
    }

    @Test
    void frozenTeacherWithWrongClassCountFailsBeforeTraining() throws Exception {
        Path teacherRun = dir.resolve("teacher");
        ClassificationTrainer.run(small("baseline", teacherRun).epochs(1).trainLimit(64).build());
        ComputationGraph ok = ClassificationTrainer.loadClassifier(teacherRun.resolve("student.zip"), 10);
        assertEquals(10, ok.getOutputLayer(0).getParam("b").length());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassificationTrainer.loadClassifier(teacherRun.resolve("student.zip"), 100));
        assertTrue(e.getMessage().contains("10 classes") && e.getMessage().contains("100"), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ClassificationTrainer.loadClassifier(dir.resolve("none.zip"), 10));
        assertTrue(missing.getMessage().contains("--method baseline"), missing.getMessage());
    }
}
