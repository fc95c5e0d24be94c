package dev.adm.models.classification;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.Slow;
import dev.adm.models.run.ExperimentRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Slow
class ExperimentTest extends AdmTestBase {
    @TempDir
    Path dir;

    @Test
    void tableHoldsMeanAndStdOfEveryRunAndRerunsReuseThem() throws Exception {
        ClassificationConfig template = ClassificationConfig.builder().student("resnet8").epochs(1).batchSize(64)
                .learningRate(0.1).trainLimit(128).embeddedData(true).augment(false).progress(false).build();
        List<ExperimentRunner.Row> rows = ExperimentRunner.run(template, "resnet8",
                List.of(ExperimentRunner.Variant.of("kd")), 2, dir, false);
        assertEquals(List.of("baseline", "kd"), rows.stream().map(r -> r.variant().label()).toList(),
                "kd needs the baseline's teacher, which runs first");
        ExperimentRunner.Row kd = rows.get(1);
        double[] student = kd.runs().stream().mapToDouble(r -> r.finalScores().get("student")).toArray();
        assertEquals((student[0] + student[1]) / 2, kd.studentMean(), 1e-12);
        assertEquals(Math.abs(student[0] - student[1]) / Math.sqrt(2), kd.studentStd(), 1e-12);
        assertEquals(rows.get(0).teacherMean(), kd.teacherMean(), 1e-12, "kd's teacher is the baseline's teacher");

        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| kd | ") && md.contains(String.format(java.util.Locale.ROOT, "%.2f ± %.2f",
                100 * kd.studentMean(), 100 * kd.studentStd())), md);
        assertEquals(3, Files.readAllLines(dir.resolve("results.csv")).size());
        assertTrue(ImageIO.read(dir.resolve("results.png").toFile()).getWidth() > 0);

        Path finished = dir.resolve("kd/seed42/results.json");
        FileTime before = Files.getLastModifiedTime(finished);
        List<ExperimentRunner.Row> again = ExperimentRunner.run(template, "resnet8",
                List.of(ExperimentRunner.Variant.of("kd")), 2, dir, false);
        assertEquals(before, Files.getLastModifiedTime(finished), "a finished run must be reused, not retrained");
        assertEquals(kd.studentMean(), again.get(1).studentMean(), 1e-12);
        assertTrue(md.contains("trainLimit=128") && md.contains("learningRate=0.1"), md);

        // the same --out with other settings: the reused runs would not match, so they are refused, naming one
        ClassificationConfig other = template.toBuilder().trainLimit(64).build();
        IllegalArgumentException changed = assertThrows(IllegalArgumentException.class, () -> ExperimentRunner.run(
                other, "resnet8", List.of(ExperimentRunner.Variant.of("kd")), 2, dir, false));
        assertTrue(changed.getMessage().contains("trainLimit=128 but this run has trainLimit=64")
                && changed.getMessage().contains("--retrain-changed"), changed.getMessage());
        assertEquals(before, Files.getLastModifiedTime(finished), "a refused experiment changes nothing");

        // finished runs kept without their checkpoints (as a repository keeps an experiment's records) are checked
        // against the settings their results.json records, and one that records none is refused
        try (var files = Files.walk(dir)) {
            for (Path p : files.filter(p -> p.getFileName().toString().equals("checkpoint.zip")).toList()) {
                Files.delete(p);
            }
        }
        ExperimentRunner.run(template, "resnet8", List.of(ExperimentRunner.Variant.of("kd")), 2, dir, false);
        assertEquals(before, Files.getLastModifiedTime(finished), "reused by its recorded settings");
        IllegalArgumentException recorded = assertThrows(IllegalArgumentException.class, () -> ExperimentRunner.run(
                other, "resnet8", List.of(ExperimentRunner.Variant.of("kd")), 2, dir, false));
        assertTrue(recorded.getMessage().contains("trainLimit=128 but this run has trainLimit=64"),
                recorded.getMessage());
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(finished.toFile());
        tree.remove("settings");
        json.writeValue(finished.toFile(), tree);
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> ExperimentRunner.run(
                template, "resnet8", List.of(ExperimentRunner.Variant.of("kd")), 2, dir, false));
        assertTrue(unknown.getMessage().contains("does not record") && unknown.getMessage().contains("kd/seed42"),
                unknown.getMessage());
        List<ExperimentRunner.Row> retrained = ExperimentRunner.run(other, "resnet8",
                List.of(ExperimentRunner.Variant.of("kd")), 1, dir, true);
        assertTrue(Files.readString(finished).contains("\"trainImages\" : 64"), "retrained with the new settings");
        assertEquals(1, retrained.get(1).runs().size());
        assertTrue(Files.readString(dir.resolve("results.md")).contains("(n=1)"), "one seed: no spread to show");

        // ADM's maps on the baseline pair: each image's weights average 1, so the object/background split must too
        Path png = dir.resolve("maps.png");
        SimilarityMaps.Summary s = SimilarityMaps.draw(dir.resolve("baseline/seed42"), png, 3, 50);
        double share = s.objectShare();
        assertTrue(share > 0.1 && share < 0.9, "foreground share " + share);
        assertEquals(1.0, share * s.consensus().object() + (1 - share) * s.consensus().background(), 1e-6);
        assertEquals(1.0, share * s.divergence().object() + (1 - share) * s.divergence().background(), 1e-6);
        assertTrue(s.teacherObjectFocus() > 0 && s.teacherObjectFocus() < 1, "teacher " + s.teacherObjectFocus());
        assertTrue(s.studentObjectFocus() > 0 && s.studentObjectFocus() < 1, "student " + s.studentObjectFocus());
        // in batches of 7 (the last one partial) the statistics are those of one pass
        SimilarityMaps.Summary batched = SimilarityMaps.draw(dir.resolve("baseline/seed42"),
                dir.resolve("maps7.png"), 3, 50, 7);
        assertEquals(s.similarity().object(), batched.similarity().object(), 1e-5);
        assertEquals(s.similarity().background(), batched.similarity().background(), 1e-5);
        assertEquals(s.consensus().object(), batched.consensus().object(), 1e-5);
        assertEquals(s.divergence().background(), batched.divergence().background(), 1e-5);
        assertEquals(s.teacherObjectFocus(), batched.teacherObjectFocus(), 1e-5);
        assertEquals(s.studentObjectFocus(), batched.studentObjectFocus(), 1e-5);
        assertEquals(50, batched.images());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(4 * 104, img.getWidth());
        assertEquals(24 + 3 * 104, img.getHeight());
    }

    /**
     * Finished runs are read before anything trains, each row's unbroken seeds from the first: the tables written
     * before the first training already hold them, and a row missing an early seed trains it and reuses the later one.
     */
    @Test
    void finishedRunsAreTabulatedBeforeTrainingAndGapsAreFilledInSeedOrder(@TempDir Path out) throws Exception {
        ClassificationConfig template = ClassificationConfig.builder().student("resnet8").epochs(1).batchSize(64)
                .learningRate(0.1).trainLimit(128).embeddedData(true).augment(false).progress(false).build();
        List<ExperimentRunner.Variant> kd = List.of(ExperimentRunner.Variant.of("kd"));
        ExperimentRunner.run(template, "resnet8", kd, 2, out, false);
        Path later = out.resolve("kd/seed43/results.json");
        FileTime before = Files.getLastModifiedTime(later);

        // kd lost its first seed and the baseline the teacher it gave kd: the refill fails at once, after the tables
        // were written with both baseline seeds
        deleteTree(out.resolve("kd/seed42"));
        Files.delete(out.resolve("baseline/seed42/teacher.zip"));
        Files.delete(out.resolve("runs.csv"));
        assertThrows(RuntimeException.class, () -> ExperimentRunner.run(template, "resnet8", kd, 2, out, false));
        List<String> runs = Files.readAllLines(out.resolve("runs.csv"));
        assertEquals(3, runs.size(), "a header and both baseline runs: " + runs);
        assertTrue(runs.get(1).startsWith("baseline,baseline,0,seed42") && runs.get(2).startsWith(
                "baseline,baseline,1,seed43"), runs.toString());

        // with the teacher back, seed 42 trains again and seed 43 is reused, in seed order
        deleteTree(out.resolve("baseline/seed42"));
        List<ExperimentRunner.Row> rows = ExperimentRunner.run(template, "resnet8", kd, 2, out, false);
        assertEquals(List.of("seed42", "seed43"), rows.get(1).runs().stream().map(r -> r.dir().getFileName()
                .toString()).toList());
        assertEquals(before, Files.getLastModifiedTime(later), "seed 43 was reused");
    }

    /**
     * A given trained teacher replaces the baseline's of each seed: offline rows distil from it, the baseline trains
     * the student alone beside it, and online rows still train their own teacher.
     */
    @Test
    void aGivenTeacherIsEveryOfflineRowsAndTheBaselines(@TempDir Path out) throws Exception {
        ClassificationConfig template = ClassificationConfig.builder().student("resnet8").epochs(1).batchSize(64)
                .learningRate(0.1).trainLimit(128).embeddedData(true).augment(false).progress(false).build();
        // another seed than the table's, so this teacher differs from the one a baseline of the table would train
        ExperimentRunner.Row trained = ExperimentRunner.run(template.toBuilder().seed(7).build(), "resnet8",
                List.of(ExperimentRunner.Variant.of("baseline")), 1, out.resolve("teacher"), false).get(0);
        Path teacher = out.resolve("teacher/baseline/seed7/teacher.zip");
        ClassificationConfig withTeacher = template.toBuilder().teacherCheckpoint(teacher).build();

        List<ExperimentRunner.Row> rows = ExperimentRunner.run(withTeacher, "resnet8", List.of(
                ExperimentRunner.Variant.of("kd"), ExperimentRunner.Variant.of("baseline"),
                ExperimentRunner.Variant.of("dml")), 1, out.resolve("table"), false);
        assertEquals(List.of("kd", "baseline", "dml"), rows.stream().map(r -> r.variant().label()).toList(),
                "no baseline is put first to train teachers");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String offline : List.of("kd", "baseline")) {
            Path run = out.resolve("table/" + offline + "/seed42");
            assertEquals(teacher.toString(), json.readTree(run.resolve("results.json").toFile()).get("teacher")
                    .asText(), offline);
        }
        assertEquals("resnet8", json.readTree(out.resolve("table/dml/seed42/results.json").toFile()).get("teacher")
                .asText(), "dml trains its own teacher");
        // the same frozen network on the same test images: the trained teacher's own score, in both rows
        assertEquals(trained.teacherMean(), rows.get(0).teacherMean(), 1e-12);
        assertEquals(trained.teacherMean(), rows.get(1).teacherMean(), 1e-12);
        assertTrue(rows.get(2).teacherMean() != trained.teacherMean(), "dml's teacher is its own");
        assertTrue(Files.readString(out.resolve("table/results.md")).contains("the trained " + teacher));

        ClassificationConfig missing = template.toBuilder().teacherCheckpoint(out.resolve("none.zip")).build();
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> ExperimentRunner.run(
                missing, "resnet8", List.of(ExperimentRunner.Variant.of("kd")), 1, out.resolve("none"), false));
        assertTrue(none.getMessage().contains("none.zip is not a file"), none.getMessage());
        assertTrue(Files.notExists(out.resolve("none")), "nothing is written");
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (var files = Files.walk(root)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
