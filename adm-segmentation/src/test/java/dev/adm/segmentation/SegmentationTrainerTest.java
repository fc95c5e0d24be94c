package dev.adm.segmentation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.Slow;
import dev.adm.models.run.RunResult;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Slow
class SegmentationTrainerTest extends AdmTestBase {
    private static SegmentationConfig.Builder small(String method, Path out) {
        return SegmentationConfig.builder().method(method).canvas(32).items(1, 2).trainScenes(256).testScenes(64)
                .batchSize(32).epochs(2).embeddedData(true).overlays(3).progress(false).outDir(out);
    }

    @Test
    void aRunResumesWritesItsFilesAndExportsAPlainDl4jModelThatAnOfflineMethodDistilsFrom(@TempDir Path dir)
            throws Exception {
        Path base = dir.resolve("baseline");
        RunResult first = SegmentationTrainer.run(small("baseline", base).stopAfter(1).build());
        assertEquals(1, first.history().size());
        assertTrue(Files.exists(base.resolve("checkpoint.zip")) && !Files.exists(base.resolve("student.zip")));
        RunResult r = SegmentationTrainer.run(small("baseline", base).resume(true).build());
        assertEquals(2, r.history().size());
        double miou = r.finalScores().get("student");
        // the run stopped after one epoch and resumed ends exactly where an uninterrupted run ends
        Path straight = dir.resolve("straight");
        RunResult uninterrupted = SegmentationTrainer.run(small("baseline", straight).build());
        assertEquals(uninterrupted.finalScores(), r.finalScores());
        assertEquals(ModelSerializer.restoreComputationGraph(straight.resolve("student.zip").toFile()).params(),
                ModelSerializer.restoreComputationGraph(base.resolve("student.zip").toFile()).params());
        assertTrue(Files.readAllLines(base.resolve("metrics.csv")).get(0).contains("miou:student"));

        BufferedImage overlays = ImageIO.read(base.resolve("overlays.png").toFile());
        assertEquals(3 * 96, overlays.getWidth()); // image, truth, student; 32 px x 3
        assertTrue(overlays.getHeight() > 3 * 96, "three rows under a header");

        ComputationGraph exported = ModelSerializer.restoreComputationGraph(base.resolve("student.zip").toFile());
        INDArray p = exported.output(Nd4j.randn(DataType.FLOAT, 2, 1, 32, 32))[0];
        assertArrayEquals(new long[]{2, 11, 32, 32}, p.shape());
        assertEquals(0, p.sum(1).sub(1).amaxNumber().doubleValue(), 1e-5, "per-pixel probabilities");

        JsonNode results = new ObjectMapper().readTree(base.resolve("results.json").toFile());
        assertEquals(miou, results.get("finalMeanIou").get("student").asDouble(), 1e-12);
        assertEquals(11, results.get("classIou").get("student").size());

        // the frozen teacher is the exported model: on the same test scenes it scores the baseline's mIoU
        RunResult kd = SegmentationTrainer.run(small("pixel-kd", dir.resolve("kd")).epochs(1)
                .teacherCheckpoint(base.resolve("student.zip")).build());
        assertEquals(miou, kd.finalScores().get("teacher"), 1e-9);
        assertTrue(Files.exists(dir.resolve("kd").resolve("student.zip"))
                && !Files.exists(dir.resolve("kd").resolve("teacher.zip")), "a frozen teacher is not exported");
    }

    @Test
    void badModelsAndCheckpointsFailBeforeTrainingNamingTheFix(@TempDir Path dir) throws Exception {
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
                () -> small("baseline", dir).students(List.of("resnet8")).build());
        assertTrue(name.getMessage().contains("<head>-<backbone>") && name.getMessage().contains("fcn"),
                name.getMessage());
        IllegalArgumentException backbone = assertThrows(IllegalArgumentException.class,
                () -> small("baseline", dir).students(List.of("fcn-resnet9")).build());
        assertTrue(backbone.getMessage().contains("unknown model 'resnet9'"), backbone.getMessage());

        Path classifier = dir.resolve("classifier.zip");
        ModelSerializer.writeModel(dev.adm.models.zoo.ModelZoo.get("resnet8").build(dev.adm.models.zoo.ModelConfig
                .builder().input(1, 32, 32).classes(11).seed(1).build()), classifier.toFile(), false);
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> SegmentationTrainer.run(
                small("pixel-kd", dir.resolve("kd")).teacherCheckpoint(classifier).build()));
        assertTrue(wrong.getMessage().contains("is not a segmentation model"), wrong.getMessage());
        IllegalArgumentException dense = assertThrows(IllegalArgumentException.class, () -> SegmentationTrainer.run(
                small("dkd", dir.resolve("dkd")).teachers(List.of("fcn-resnet8")).build()));
        assertTrue(dense.getMessage().contains("dkd does not run on per-pixel class labels (segmentation)")
                && dense.getMessage().contains("pixel-kd, akd, rdd"), dense.getMessage());
    }
}
