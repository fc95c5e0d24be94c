package dev.adm.models.classification;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.ChildJvm;
import dev.adm.core.testing.Slow;
import dev.adm.models.run.MinibatchExport;
import dev.adm.models.run.RunResult;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end runs on real (embedded) Fashion-MNIST images, kept short. */
@Slow
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
        RunResult r = ClassificationTrainer.run(small("baseline", out).build());
        double top1 = r.finalScores().get("student");
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
        ChildJvm.Output child = ChildJvm.run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", cp, src.toString(), model.toString()), Duration.ofSeconds(180));
        assertTrue(child.text().contains("OK [2, 10]") && !child.text().contains("LEAK"), child.text());
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
        RunResult resumed = ClassificationTrainer.run(small("dml", split).teacher("resnet8")
                .trainLimit(256).resume(true).build());
        assertEquals(2, resumed.history().size());
        for (String net : List.of("student", "teacher")) {
            ComputationGraph a = ModelSerializer.restoreComputationGraph(straight.resolve(net + ".zip").toFile());
            ComputationGraph b = ModelSerializer.restoreComputationGraph(split.resolve(net + ".zip").toFile());
            assertEquals(a.params(), b.params(), net + " weights differ after resume");
        }
    }

    /**
     * Scoring every second epoch trains exactly as scoring every epoch; the epoch between has no scores, the last
     * has the same ones.
     */
    @Test
    void scoringLessOftenChangesNoTraining() throws Exception {
        RunResult every = ClassificationTrainer.run(small("dml", dir.resolve("every")).teacher("resnet8").trainLimit(256)
                .epochs(3).build());
        RunResult second = ClassificationTrainer.run(small("dml", dir.resolve("second")).teacher("resnet8")
                .trainLimit(256).epochs(3).scoreEvery(2).build());
        assertEquals(List.of(0, 2, 2), second.history().stream().map(r -> r.scores().size()).toList(),
                "scored after epoch 2 and the last");
        assertEquals(every.history().get(1).scores(), second.history().get(1).scores());
        assertEquals(every.finalScores(), second.finalScores());
        for (String net : List.of("student", "teacher")) {
            assertEquals(ModelSerializer.restoreComputationGraph(dir.resolve("every").resolve(net + ".zip").toFile())
                    .params(), ModelSerializer.restoreComputationGraph(dir.resolve("second").resolve(net + ".zip")
                    .toFile()).params(), net);
        }
        assertTrue(Files.readAllLines(dir.resolve("second/metrics.csv")).get(1).endsWith(",,"),
                "the unscored first epoch leaves its score columns empty");
    }

    /**
     * With a weight average the checkpoint keeps it, so a resumed run ends as an uninterrupted one; what is exported
     * and scored is the average, not the last trained weights.
     */
    @Test
    void aWeightAverageResumesExactlyAndIsWhatIsExported() throws Exception {
        Path straight = dir.resolve("ema-straight");
        Path split = dir.resolve("ema-split");
        Path plain = dir.resolve("ema-none");
        RunResult whole = ClassificationTrainer.run(small("dml", straight).teacher("resnet8").trainLimit(256)
                .ema(0.9).build());
        ClassificationTrainer.run(small("dml", split).teacher("resnet8").trainLimit(256).ema(0.9).stopAfter(1)
                .build());
        RunResult resumed = ClassificationTrainer.run(small("dml", split).teacher("resnet8").trainLimit(256)
                .ema(0.9).resume(true).build());
        ClassificationTrainer.run(small("dml", plain).teacher("resnet8").trainLimit(256).build());
        assertEquals(whole.finalScores(), resumed.finalScores());
        for (String net : List.of("student", "teacher")) {
            INDArray a = ModelSerializer.restoreComputationGraph(straight.resolve(net + ".zip").toFile()).params();
            INDArray b = ModelSerializer.restoreComputationGraph(split.resolve(net + ".zip").toFile()).params();
            INDArray trained = ModelSerializer.restoreComputationGraph(plain.resolve(net + ".zip").toFile()).params();
            assertEquals(a, b, net + ": the resumed average differs");
            assertTrue(a.sub(trained).amaxNumber().doubleValue() > 1e-4, net + ": exported the trained weights, "
                    + "not their average");
        }
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> ClassificationTrainer
                .run(small("dml", split).teacher("resnet8").trainLimit(256).ema(0.99).resume(true).build()));
        assertTrue(other.getMessage().contains("ema=0.9"), other.getMessage());
    }

    /**
     * With a validation split the run trains on the other training images and is scored on the last ones: the
     * exported student scores the same on them with plain DL4J.
     */
    @Test
    void aValidationSplitIsHeldOutOfTrainingAndScored() throws Exception {
        Path out = dir.resolve("validation");
        RunResult r = ClassificationTrainer.run(small("baseline", out).epochs(1).trainLimit(0).validation(1000)
                .build());
        var splits = dev.adm.models.data.Datasets.load("fashion-mnist", null, true, 32);
        assertTrue(Files.readString(out.resolve("results.json")).contains("\"trainImages\" : "
                + (splits.train().size() - 1000)), "trained on the other training images");
        ComputationGraph student = ModelSerializer.restoreComputationGraph(out.resolve("student.zip").toFile());
        assertEquals(r.finalScores().get("student"), Evaluation.top1(student,
                splits.holdOutValidation(1000).testIterator(256)), 1e-12);
        IllegalArgumentException all = assertThrows(IllegalArgumentException.class, () -> splits
                .holdOutValidation(splits.train().size()));
        assertTrue(all.getMessage().startsWith("a validation split needs between 1 and "), all.getMessage());
    }

    /** A run from an export of its own minibatches is the run that draws them. */
    @Test
    void aRunFromAnExportOfItsBatchesEndsWhereTheDrawingRunEnds() throws Exception {
        Path drawn = dir.resolve("drawn");
        Path export = dir.resolve("export");
        Path fromExport = dir.resolve("from-export");
        ClassificationTrainer.run(small("dml", drawn).teacher("resnet8").trainLimit(256).augment(true).build());
        MinibatchExport.write(small("dml", export).teacher("resnet8").trainLimit(256).augment(true).build(), export, 2);
        RunResult r = ClassificationTrainer.run(small("dml", fromExport).teacher("resnet8").trainLimit(256)
                .augment(true).batches(export.toString()).build());
        for (String net : List.of("student", "teacher")) {
            assertEquals(ModelSerializer.restoreComputationGraph(drawn.resolve(net + ".zip").toFile()).params(),
                    ModelSerializer.restoreComputationGraph(fromExport.resolve(net + ".zip").toFile()).params(), net);
        }
        assertEquals(Files.readAllLines(drawn.resolve("steps.csv")), Files.readAllLines(fromExport.resolve("steps.csv")));
        assertTrue(Files.readString(fromExport.resolve("results.json")).contains("\"batches\" : \"" + export + "\""));
        String unaugmented = assertThrows(IllegalArgumentException.class, () -> ClassificationTrainer.run(
                small("dml", dir.resolve("refused")).teacher("resnet8").trainLimit(256).batches(export.toString())
                        .build())).getMessage();
        assertTrue(unaugmented.contains("augment=true") && unaugmented.contains("augment=false"), unaugmented);
        assertFalse(Files.exists(dir.resolve("refused")), "a refused run leaves no directory");
        assertTrue(r.finalScores().get("student") > 0.2, "it learns: " + r.finalScores());
    }

    @Test
    void frozenTeacherWithWrongClassCountFailsBeforeTraining() throws Exception {
        Path teacherRun = dir.resolve("teacher");
        ClassificationTrainer.run(small("baseline", teacherRun).epochs(1).trainLimit(64).build());
        ComputationGraph ok = ClassificationTrainer.loadClassifier(teacherRun.resolve("student.zip"), 10);
        assertEquals(10, ok.getOutputLayer(0).getParam("b").length());
        // a run's checkpoint serves as well: its network, as the run trained it
        assertEquals(ok.params(), ClassificationTrainer.loadClassifier(teacherRun.resolve("checkpoint.zip"), 10)
                .params());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassificationTrainer.loadClassifier(teacherRun.resolve("student.zip"), 100));
        assertTrue(e.getMessage().contains("10 classes") && e.getMessage().contains("100"), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ClassificationTrainer.loadClassifier(dir.resolve("none.zip"), 10));
        assertTrue(missing.getMessage().contains("--method baseline"), missing.getMessage());
    }

    /** A frozen teacher for offline methods: resnet8 trained two short epochs (above 50% top-1). */
    private Path teacherZip() {
        Path teacherRun = dir.resolve("teacher");
        ClassificationTrainer.run(small("baseline", teacherRun).build());
        return teacherRun.resolve("student.zip");
    }

    @Test
    void methodsWithTheirOwnPartsTrainResumeAndExportPlainClassifiers() throws Exception {
        Path teacher = teacherZip();
        long plainResnet8 = ModelSerializer.restoreComputationGraph(teacher.toFile()).numParams();
        for (String method : List.of("fitnet", "sokd", "adm-kd")) {
            Path out = dir.resolve(method);
            ClassificationTrainer.run(small(method, out).teacherCheckpoint(teacher).trainLimit(128).stopAfter(1)
                    .build());
            RunResult r = ClassificationTrainer.run(small(method, out).teacherCheckpoint(teacher)
                    .trainLimit(128).resume(true).build());
            assertTrue(r.finalScores().get("teacher") > 0.5, method + ": the frozen teacher lost its accuracy "
                    + r.finalScores());
            ComputationGraph exported = ModelSerializer.restoreComputationGraph(out.resolve("student.zip").toFile());
            assertEquals(plainResnet8, exported.numParams(), method + ": the export must be the plain student");
            // the export is the trained student: plain DL4J scores it exactly as the run did
            assertEquals(r.finalScores().get("student"), Evaluation.top1(exported,
                    dev.adm.models.data.Datasets.load("fashion-mnist", null, true, 32).testIterator(256)), 1e-12,
                    method);
            assertTrue(!Files.exists(out.resolve("teacher.zip")), "a frozen teacher is not exported");
        }
        assertTrue(ClassificationTrainer.run(small("sokd", dir.resolve("sokd")).teacherCheckpoint(teacher)
                .trainLimit(128).resume(true).build()).finalScores().containsKey("peer"), "the peer is evaluated");
        assertTrue(!Files.exists(dir.resolve("sokd").resolve("peer.zip")), "the peer reads maps, not images");
    }

    @Test
    void oneExportsItsFirstBranchAsAPlainNetwork() throws Exception {
        Path out = dir.resolve("one");
        ClassificationTrainer.run(small("one", out).epochs(1).trainLimit(128).build());
        ComputationGraph g = ModelSerializer.restoreComputationGraph(out.resolve("student.zip").toFile());
        assertEquals(dev.adm.models.zoo.ModelZoo.get("resnet8").build(dev.adm.models.zoo.ModelConfig.builder()
                .input(1, 28, 28).classes(10).build()).numParams(), g.numParams());
    }

    @Test
    void switokdLogsTheModeOfEveryStepAndUsesItsOwnLearningRates() throws Exception {
        Path out = dir.resolve("switokd");
        ClassificationTrainer.run(small("switokd", out).teacher("resnet8").epochs(1).trainLimit(256).build());
        List<String> steps = Files.readAllLines(out.resolve("steps.csv"));
        assertEquals("epoch,step,loss:student,loss:teacher,updated:student,updated:teacher", steps.get(0));
        assertEquals(1 + 4, steps.size());
        // the student updates at every step; the teacher only in learning mode (the engine test forces both modes)
        assertTrue(steps.stream().skip(1).allMatch(l -> l.endsWith(",1,0") || l.endsWith(",1,1")), steps.toString());
        double learningSteps = steps.stream().skip(1).filter(l -> l.endsWith(",1")).count();
        String results = Files.readString(out.resolve("results.json"));
        assertTrue(results.contains("\"teacher\" : 0.1") && results.contains("\"student\" : 0.01"), results);
        List<String> metrics = Files.readAllLines(out.resolve("metrics.csv"));
        int column = List.of(metrics.get(0).split(",")).indexOf("loss:updated/teacher");
        assertTrue(column > 0, metrics.get(0));
        assertEquals(learningSteps / 4, Double.parseDouble(metrics.get(1).split(",")[column]), 1e-6,
                "the epoch's share of learning-mode steps is the mean of the per-step flags");
    }

    @Test
    void admTrainsTwoStudentsWithOneTeacher() throws Exception {
        Path out = dir.resolve("adm3");
        RunResult r = ClassificationTrainer.run(small("adm", out).teacher("resnet8")
                .students(List.of("resnet8", "resnet8")).epochs(1).trainLimit(128).build());
        assertEquals(java.util.Set.of("teacher", "student1", "student2"), r.finalScores().keySet());
        for (String f : List.of("teacher.zip", "student1.zip", "student2.zip")) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
    }
}
