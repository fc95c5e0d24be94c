package dev.adm.diffusion;

import dev.adm.models.run.ExperimentRunner;

import java.nio.file.Path;
import java.util.List;

/**
 * The diffusion experiment: {@link ExperimentRunner} over {@link DiffusionTrainer} runs, scored by held-out
 * denoising MSE with each student's FID as a further column. Offline methods load the baseline run's exported
 * {@code teacher.zip}; the baseline's student is the undistilled one.
 */
public final class DiffusionExperiment {
    private DiffusionExperiment() {
    }

    public static List<ExperimentRunner.Row> run(DiffusionConfig template, String teacher,
                                                 List<ExperimentRunner.Variant> variants, int seeds, Path outDir) {
        DiffusionZoo.get(teacher);
        ExperimentRunner.Setup setup = new ExperimentRunner.Setup(teacher, String.join(",", template.students()),
                template.epochs(), template.seed(), DiffusionTrainer.METRIC, DiffusionTrainer.TEACHER + ".zip",
                template.fidSamples() > 0 ? new ExperimentRunner.Extra("finalFid", "FID") : null);
        return ExperimentRunner.run(setup, variants, seeds, outDir, r -> {
            DiffusionConfig.Builder b = template.toBuilder().method(r.variant().method())
                    .methodParams(r.variant().params()).seed(r.seed()).outDir(r.dir()).teachers(List.of())
                    .teacherCheckpoint(r.teacherCheckpoint()).stopAfter(0).resume(r.resume());
            if (r.jointTeacher()) {
                b.teachers(List.of(teacher));
            }
            return DiffusionTrainer.run(b.build()).history();
        });
    }
}
