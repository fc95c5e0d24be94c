package dev.adm.models.classification;

import dev.adm.models.run.ExperimentRunner;
import dev.adm.models.run.TrainingRun;

import java.nio.file.Path;
import java.util.List;

/**
 * The classification experiment: {@link ExperimentRunner} over {@link ClassificationTrainer} runs, scored by test
 * top-1; offline methods load the baseline run's {@code teacher.zip}.
 */
public final class Experiment {
    private Experiment() {
    }

    /**
     * @param template settings shared by every run (data, epochs, batch, learning rate, first seed, progress);
     *                 its student is the student, its method and output directory are ignored
     * @param teacher  zoo model of the teacher
     */
    public static List<ExperimentRunner.Row> run(ClassificationConfig template, String teacher,
                                                 List<ExperimentRunner.Variant> variants, int seeds, Path outDir) {
        ExperimentRunner.Setup setup = new ExperimentRunner.Setup(teacher, String.join(",", template.students()),
                template.epochs(), template.seed(), ClassificationTrainer.METRIC, ClassificationTrainer.TEACHER + ".zip");
        return ExperimentRunner.run(setup, variants, seeds, outDir, r -> {
            ClassificationConfig.Builder b = template.toBuilder().method(r.variant().method())
                    .methodParams(r.variant().params()).seed(r.seed()).outDir(r.dir()).teachers(List.of())
                    .teacherCheckpoint(r.teacherCheckpoint()).stopAfter(0).resume(r.resume());
            if (r.jointTeacher()) {
                b.teachers(List.of(teacher));
            }
            return ClassificationTrainer.run(b.build()).history();
        });
    }
}
