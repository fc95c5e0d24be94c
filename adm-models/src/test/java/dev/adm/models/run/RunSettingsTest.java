package dev.adm.models.run;

import dev.adm.core.engine.Role;
import dev.adm.models.classification.ClassificationConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared settings' rules, one per case, through a task builder that extends {@link RunSettings.Builder}. */
class RunSettingsTest {
    private static String refused(ClassificationConfig.Builder b) {
        return assertThrows(IllegalArgumentException.class, b::build).getMessage();
    }

    @Test
    void everySharedRuleNamesTheSettingAndTheBadValue() {
        assertTrue(refused(ClassificationConfig.builder().learningRate(Double.POSITIVE_INFINITY))
                .contains("learning rate must be a positive number, got Infinity"));
        assertTrue(refused(ClassificationConfig.builder().learningRate(Double.NaN)).contains("got NaN"));
        assertTrue(refused(ClassificationConfig.builder().learningRate(0)).contains("got 0.0"));
        assertTrue(refused(ClassificationConfig.builder().outDir(Path.of(""))).contains("--out DIR"));
        assertTrue(refused(ClassificationConfig.builder().epochs(0)).contains("epochs must be >= 1, got 0"));
        assertTrue(refused(ClassificationConfig.builder().batchSize(0)).contains("batch size must be >= 1, got 0"));
        assertTrue(refused(ClassificationConfig.builder().stopAfter(-1)).contains("stop-after must be >= 0"));
        assertTrue(refused(ClassificationConfig.builder().workers(0))
                .contains("workers must be between 1 and the batch size 128, got 0"));
        assertTrue(refused(ClassificationConfig.builder().batchSize(4).workers(5)).contains("batch size 4, got 5"));
        assertTrue(refused(ClassificationConfig.builder().students(List.of())).contains("--student"));
        assertTrue(refused(ClassificationConfig.builder().teacher("resnet20").teacherCheckpoint(Path.of("t.zip")))
                .contains("not both"));
        assertTrue(refused(ClassificationConfig.builder().method(" ")).contains("method is required"));
        assertTrue(refused(ClassificationConfig.builder().spark(" ")).contains("--spark needs a master URL"));
        assertTrue(refused(ClassificationConfig.builder().averagingFrequency(0))
                .contains("averaging frequency must be >= 1 step, got 0"));
        assertTrue(refused(ClassificationConfig.builder().student("resnet9")).contains("unknown model 'resnet9'"));
    }

    @Test
    void aSparkRunResumesOnlyAsASparkRunWithTheSameAveraging() {
        ClassificationConfig local = ClassificationConfig.builder().build();
        ClassificationConfig spark = local.toBuilder().spark("local[2]").averagingFrequency(3).build();
        Map<String, String> stored = spark.run().resumeSettings();
        assertEquals("3", stored.get("averagingFrequency"));
        assertEquals(java.util.Optional.of("training=spark but this run has no training"),
                RunDirectory.difference(stored, local.run().resumeSettings()));
        assertEquals(java.util.Optional.of("no training but this run has training=spark"),
                RunDirectory.difference(local.run().resumeSettings(), stored), "a local run resumed on Spark");
        assertEquals(java.util.Optional.empty(), RunDirectory.difference(stored,
                spark.toBuilder().spark("spark://elsewhere:7077").build().run().resumeSettings()),
                "the master may change: where a run trains does not change its result");
    }

    @Test
    void networksAreNamedAndSeededByRoleAndPosition() {
        RunSettings s = ClassificationConfig.builder().seed(7).teacher("resnet20").students(List.of("resnet8",
                "resnet8")).build().run();
        assertEquals("teacher", RunSettings.networkName(Role.TEACHER, 0, 1));
        assertEquals("student2", RunSettings.networkName(Role.STUDENT, 1, 2));
        assertEquals(7, s.networkSeed(Role.STUDENT, 0));
        assertEquals(108, s.networkSeed(Role.TEACHER, 1));
        assertEquals(List.of("resnet8", "resnet8"), s.models(Role.STUDENT));
    }

    @Test
    void aCopyChangesOnlyWhatIsSet() {
        ClassificationConfig a = ClassificationConfig.builder().method("adm").teacher("resnet20").epochs(3)
                .trainLimit(64).build();
        ClassificationConfig b = a.toBuilder().seed(43).workers(2).build();
        assertEquals(a.withRun(b.run()), b);
        assertEquals(a.run().resumeSettings().keySet(), b.run().resumeSettings().keySet());
        assertEquals("43", b.run().resumeSettings().get("seed"));
        assertEquals("2", b.run().resumeSettings().get("workers"), "a run resumes with the split it began with");
        assertEquals(1, a.run().workers());
        assertEquals("0.5", b.run().resumeSettings().get("param.tau"), "the method's defaults are resolved");
    }
}
