package dev.adm.diffusion;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.Slow;
import dev.adm.models.run.ExperimentRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Slow
class DiffusionExperimentTest extends AdmTestBase {
    @Test
    void theTableHoldsDenoisingErrorAndFidAndOutputKdUsesTheBaselinesTeacher(@TempDir Path dir) throws Exception {
        DiffusionConfig template = DiffusionConfig.builder().students(List.of("unet-tiny")).epochs(1).batchSize(32)
                .trainLimit(96).steps(40).evalImages(40).samples(0).samplingSteps(4).fidSamples(20)
                .fidClassifier(dir.resolve("fid")).embeddedData(true).progress(false).outDir(dir).build();
        List<ExperimentRunner.Row> rows = ExperimentRunner.run(template, "unet-tiny",
                List.of(ExperimentRunner.Variant.of("output-kd")), 1, dir, false);
        assertEquals(List.of("baseline", "output-kd"), rows.stream().map(r -> r.variant().label()).toList());
        assertEquals(rows.get(0).runs().get(0).finalScores().get("teacher"),
                rows.get(1).runs().get(0).finalScores().get("teacher"), 1e-9, "the frozen teacher is the baseline's");
        assertTrue(Double.isFinite(rows.get(1).extraMean()) && rows.get(1).extraMean() > 0, "FID " + rows.get(1));
        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("student FID") && md.contains("lower is better"), md);
    }
}
