package dev.adm.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.Slow;
import dev.adm.models.classification.ClassificationConfig;
import dev.adm.models.classification.ClassificationTrainer;
import dev.adm.models.run.MinibatchExport;
import dev.adm.models.run.RunResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Classification runs on a local Spark, through the run loop the command line uses. */
@Slow
class SparkRunTest extends AdmTestBase {
    @TempDir
    Path dir;

    private static ClassificationConfig.Builder small(String method, Path out) {
        return ClassificationConfig.builder().method(method).student("resnet8").epochs(2).batchSize(64)
                .learningRate(0.1).trainLimit(1024).embeddedData(true).augment(false).outDir(out).progress(false);
    }

    private static void assertSameWeights(Path a, Path b, List<String> networks) throws Exception {
        for (String net : networks) {
            ComputationGraph x = ModelSerializer.restoreComputationGraph(a.resolve(net + ".zip").toFile());
            ComputationGraph y = ModelSerializer.restoreComputationGraph(b.resolve(net + ".zip").toFile());
            assertEquals(x.params(), y.params(), net + " weights differ");
        }
    }

    /** Online, offline and ADM runs learn on two Spark workers and leave the files a local run leaves. */
    @Test
    void runsOnTwoWorkersLearnAndReportLikeLocalRuns() throws Exception {
        Path teacherRun = dir.resolve("teacher");
        ClassificationTrainer.run(small("baseline", teacherRun).build());
        for (String method : List.of("dml", "kd", "adm")) {
            Path out = dir.resolve(method);
            ClassificationConfig.Builder b = small(method, out).trainLimit(2048).batchSize(32).spark("local[2]")
                    .workers(2).averagingFrequency(2);
            RunResult r = ClassificationTrainer.run((method.equals("kd")
                    ? b.teacherCheckpoint(teacherRun.resolve("student.zip")) : b.teacher("resnet8")).build());
            double top1 = r.finalScores().get("student");
            assertTrue(top1 > 0.3, method + ": resnet8 after 2 epochs on 2048 real images on two averaged workers "
                    + "should beat 10% chance by far: " + top1);
            for (String f : List.of("metrics.csv", "steps.csv", "results.json", "curves.png", "student.zip")) {
                assertTrue(Files.size(out.resolve(f)) > 0, method + " " + f);
            }
            String results = Files.readString(out.resolve("results.json"));
            assertTrue(results.contains("\"spark\" : \"local[2]\"") && results.contains("\"averagingFrequency\" : 2"),
                    results);
            assertEquals(1 + 2 * 64, Files.readAllLines(out.resolve("steps.csv")).size(),
                    method + ": one line per minibatch");
        }
    }

    /** One worker averaging after every step is the local run, batch norm and momentum included. */
    @Test
    void oneWorkerAveragingEveryStepEndsWhereALocalRunEnds() throws Exception {
        Path local = dir.resolve("local");
        Path spark = dir.resolve("spark");
        ClassificationTrainer.run(small("dml", local).teacher("resnet8").trainLimit(256).build());
        ClassificationTrainer.run(small("dml", spark).teacher("resnet8").trainLimit(256).spark("local[1]")
                .averagingFrequency(1).build());
        assertSameWeights(local, spark, List.of("student", "teacher"));
    }

    /**
     * Workers reading an export's files themselves train what they train on minibatches the driver sends: the
     * export holds the run's own draws.
     */
    @Test
    void workersReadingAnExportTrainAsOnTheDriversBatches() throws Exception {
        Path export = dir.resolve("export");
        MinibatchExport.write(small("dml", export).teacher("resnet8").trainLimit(256).build(), export, 2);
        Path sent = dir.resolve("sent");
        Path read = dir.resolve("read");
        ClassificationTrainer.run(small("dml", sent).teacher("resnet8").trainLimit(256).spark("local[2]").workers(2)
                .averagingFrequency(2).build());
        ClassificationTrainer.run(small("dml", read).teacher("resnet8").trainLimit(256).spark("local[2]").workers(2)
                .averagingFrequency(2).batches(export.toUri().toString()).build());
        assertSameWeights(sent, read, List.of("student", "teacher"));
        assertEquals(Files.readAllLines(sent.resolve("steps.csv")), Files.readAllLines(read.resolve("steps.csv")));
    }

    /** A resume must average as the run did; SparkCrashResumeTest resumes one that does. */
    @Test
    void resumeWithAnotherAveragingFrequencyIsRefused() throws Exception {
        Path split = dir.resolve("split");
        ClassificationTrainer.run(small("dml", split).teacher("resnet8").trainLimit(256).spark("local[2]")
                .workers(2).averagingFrequency(2).stopAfter(1).build());
        IllegalArgumentException changed = assertThrows(IllegalArgumentException.class, () -> ClassificationTrainer.run(
                small("dml", split).teacher("resnet8").trainLimit(256).spark("local[2]").workers(2)
                        .averagingFrequency(3).resume(true).build()));
        assertTrue(changed.getMessage().contains("averagingFrequency=2")
                && changed.getMessage().contains("averagingFrequency=3"), changed.getMessage());
        IllegalArgumentException local = assertThrows(IllegalArgumentException.class, () -> ClassificationTrainer.run(
                small("dml", split).teacher("resnet8").trainLimit(256).workers(2).resume(true).build()));
        assertTrue(local.getMessage().contains("but this run has no "), local.getMessage());
    }
}
