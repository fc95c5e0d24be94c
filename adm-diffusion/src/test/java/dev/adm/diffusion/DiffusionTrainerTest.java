package dev.adm.diffusion;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.Slow;
import dev.adm.models.run.RunResult;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Slow
class DiffusionTrainerTest extends AdmTestBase {
    private static DiffusionConfig.Builder small(String method, Path out) {
        return DiffusionConfig.builder().method(method).students(List.of("unet-tiny")).epochs(2).batchSize(32)
                .trainLimit(128).steps(50).evalImages(50).samples(4).samplingSteps(5).fidSamples(20)
                .fidClassifier(out.getParent().resolve("fid")).embeddedData(true).progress(false).outDir(out);
    }

    @Test
    void aRunResumesExactlyExportsASampleableUNetAndServesAsAFrozenTeacher(@TempDir Path dir) throws Exception {
        // the uninterrupted run also takes the FID after every epoch; that must change nothing the run trains
        RunResult whole = DiffusionTrainer.run(small("baseline", dir.resolve("whole")).fidEvery(1).build());
        DiffusionTrainer.run(small("baseline", dir.resolve("split")).stopAfter(1).build());
        RunResult resumed = DiffusionTrainer.run(small("baseline", dir.resolve("split")).resume(true)
                .build());
        assertEquals(whole.finalScores().get("student"), resumed.finalScores().get("student"), 1e-9,
                "a resumed run ends where an uninterrupted one does");
        var results = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("whole/results.json")
                .toFile());
        assertEquals(5, results.get("mseByStep").get("student").size());
        // the FID's feature network learns every training image, not the run's 128: one instrument for every run
        assertEquals("fid-resnet8-16px-8000-images-" + FidClassifier.EPOCHS + "-epochs-seed1.zip",
                results.get("fidClassifier").asText());
        assertTrue(results.get("fidClassifierTestTop1").asDouble() > 0.7, results.toString());
        assertEquals(whole.details().get("FID").get("student"), resumed.details().get("FID").get("student"), 1e-6,
                "same weights, same samples");
        assertTrue(whole.details().get("FID").get("student") > 0, "FID " + whole.details().get("FID"));
        assertTrue(Files.exists(dir.resolve("whole/samples-student.png")));
        List<String> metrics = Files.readAllLines(dir.resolve("whole/metrics.csv"));
        List<String> columns = List.of(metrics.get(0).split(","));
        assertTrue(columns.contains("mse:student"), metrics.get(0));
        int fid = columns.indexOf("fid:student");
        int confident = columns.indexOf("confident:student");
        assertTrue(fid > 0 && confident > 0, "the FID curve's columns: " + metrics.get(0));
        assertTrue(Double.parseDouble(metrics.get(1).split(",")[fid]) > 0, metrics.get(1));
        assertEquals(whole.details().get("FID").get("student"), Double.parseDouble(metrics.get(2).split(",")[fid]),
                1e-5, "the last epoch's FID is the final one: same weights, same noise");
        double share = Double.parseDouble(metrics.get(2).split(",")[confident]);
        assertTrue(share >= 0 && share <= 1, "confident share " + share);
        assertTrue(Files.readAllLines(dir.resolve("split/metrics.csv")).get(0).indexOf("fid:") < 0,
                "without --fid-every no FID columns");

        Path model = dir.resolve("whole/student.zip");
        UNetFiles.ModelSettings s = UNetFiles.settings(model);
        assertEquals(16, s.size());
        assertEquals(50, s.steps());
        ComputationGraph net = UNetFiles.load(model, 16);
        INDArray images = Samplers.ddim(Samplers.of(net, s.embedding()), s.noiseSchedule(), new long[]{2, 1, 16, 16},
                5, 3);
        assertArrayEquals(new long[]{2, 1, 16, 16}, images.shape());

        RunResult kd = DiffusionTrainer.run(small("adm-output-kd", dir.resolve("kd")).epochs(1)
                .teacherCheckpoint(model).build());
        assertEquals(whole.finalScores().get("student"), kd.finalScores().get("teacher"), 1e-9,
                "the frozen teacher is the exported U-Net");
        assertTrue(Double.isFinite(kd.finalScores().get("student")));
        assertEquals(whole.details().get("FID").get("student"), kd.details().get("FID").get("teacher"), 1e-6,
                "the teacher samples as it did");

        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> UNetFiles.load(model, 28));
        assertTrue(size.getMessage().contains("--downsample"), size.getMessage());
        Path notUnet = dir.resolve("x.zip");
        Files.write(notUnet, new byte[]{1, 2, 3});
        assertThrows(IllegalArgumentException.class, () -> UNetFiles.settings(notUnet));
    }
}
