package dev.adm.segmentation;

import dev.adm.models.run.Checkpoint;
import dev.adm.models.run.ExperimentRunner;

import java.nio.file.Path;
import java.util.List;

/**
 * The segmentation experiment: {@link ExperimentRunner} over {@link SegmentationTrainer} runs, scored by test mIoU.
 * Offline methods load the teacher of the baseline run's {@code checkpoint.zip} (which keeps its auxiliary head,
 * so RDD can use it).
 */
public final class SegmentationExperiment {
    private SegmentationExperiment() {
    }

    /**
     * @param template settings shared by every run (data, heads, epochs, batch, learning rate, first seed, aux);
     *                 its student is the student, its method and output directory are ignored
     * @param teacher  segmentation model of the teacher
     */
    public static List<ExperimentRunner.Row> run(SegmentationConfig template, String teacher,
                                                 List<ExperimentRunner.Variant> variants, int seeds, Path outDir) {
        SegmentationZoo.check(teacher);
        ExperimentRunner.Setup setup = new ExperimentRunner.Setup(teacher, String.join(",", template.students()),
                template.epochs(), template.seed(), SegmentationTrainer.METRIC, Checkpoint.FILE);
        return ExperimentRunner.run(setup, variants, seeds, outDir, r -> {
            SegmentationConfig.Builder b = template.toBuilder().method(r.variant().method())
                    .methodParams(r.variant().params()).seed(r.seed()).outDir(r.dir()).teachers(List.of())
                    .teacherCheckpoint(r.teacherCheckpoint()).stopAfter(0).resume(r.resume());
            if (r.jointTeacher()) {
                b.teachers(List.of(teacher));
            }
            return SegmentationTrainer.run(b.build()).history();
        });
    }
}
