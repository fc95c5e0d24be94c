package dev.adm.segmentation;

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
class SegmentationExperimentTest extends AdmTestBase {
    @Test
    void rddDistilsFromTheBaselinesTeacherWithItsAuxiliaryHead(@TempDir Path dir) throws Exception {
        SegmentationConfig template = SegmentationConfig.builder().students(List.of("fcn-resnet8")).auxiliary(true)
                .canvas(32).items(1, 2).trainScenes(96).testScenes(32).batchSize(32).epochs(1).embeddedData(true)
                .overlays(0).progress(false).outDir(dir).build();
        List<ExperimentRunner.Row> rows = ExperimentRunner.run(template, "psp-resnet14",
                List.of(ExperimentRunner.Variant.of("rdd")), 1, dir, false);
        assertEquals(List.of("baseline", "rdd"), rows.stream().map(r -> r.variant().label()).toList());
        double baselineTeacher = rows.get(0).runs().get(0).finalScores().get("teacher");
        double frozenInRdd = rows.get(1).runs().get(0).finalScores().get("teacher");
        assertEquals(baselineTeacher, frozenInRdd, 1e-9, "rdd's frozen teacher is the baseline's trained teacher");
        assertTrue(Files.readString(dir.resolve("results.md")).contains("| rdd | "));
    }
}
