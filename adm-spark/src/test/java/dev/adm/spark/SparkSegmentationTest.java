package dev.adm.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.Slow;
import dev.adm.models.run.RunResult;
import dev.adm.segmentation.SegmentationConfig;
import dev.adm.segmentation.SegmentationTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segmentation on Spark: its task adapts the method (auxiliary heads' losses), and every worker adapts it the same
 * way.
 */
@Slow
class SparkSegmentationTest extends AdmTestBase {
    @TempDir
    Path dir;

    private static SegmentationConfig.Builder small(Path out) {
        return SegmentationConfig.builder().method("dml").teacher("fcn-resnet8").auxiliary(true).canvas(32).items(1, 2)
                .trainScenes(128).testScenes(32).batchSize(32).epochs(2).embeddedData(true).overlays(3)
                .progress(false).outDir(out);
    }

    @Test
    void oneWorkerAveragingEveryStepEndsWhereALocalRunEndsAndTwoWorkersLearn() throws Exception {
        Path local = dir.resolve("local");
        Path spark = dir.resolve("spark");
        SegmentationTrainer.run(small(local).build());
        SegmentationTrainer.run(small(spark).spark("local[1]").workers(1).averagingFrequency(1).build());
        for (String net : List.of("student", "teacher")) {
            ComputationGraph a = ModelSerializer.restoreComputationGraph(local.resolve(net + ".zip").toFile());
            ComputationGraph b = ModelSerializer.restoreComputationGraph(spark.resolve(net + ".zip").toFile());
            assertEquals(0.0, a.params().distance2(b.params()), net + " weights differ");
        }
        assertEquals(Files.readAllLines(local.resolve("steps.csv")), Files.readAllLines(spark.resolve("steps.csv")),
                "the same losses, auxiliary heads' included");

        Path two = dir.resolve("two");
        RunResult r = SegmentationTrainer.run(small(two).trainScenes(256).spark("local[2]").workers(2)
                .averagingFrequency(2).build());
        double miou = r.finalScores().get("student");
        assertTrue(Double.isFinite(miou) && miou > 0.05, "mIoU over 11 classes after 2 averaged epochs: " + miou);
        assertTrue(Files.readString(two.resolve("results.json")).contains("\"spark\" : \"local[2]\""));
    }
}
