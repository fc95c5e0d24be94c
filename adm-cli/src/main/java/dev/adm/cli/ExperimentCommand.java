package dev.adm.cli;

import dev.adm.diffusion.DiffusionConfig;
import dev.adm.models.classification.ClassificationConfig;
import dev.adm.models.run.ExperimentRunner;
import dev.adm.models.run.TaskConfig;
import dev.adm.segmentation.SegmentationConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code adm experiment <task>}: several methods over several seeds, one table. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Run methods over seeds and write a results table and bar chart.",
        subcommands = {ExperimentCommand.Classification.class, ExperimentCommand.Segmentation.class,
                ExperimentCommand.Diffusion.class})
final class ExperimentCommand implements Runnable {
    private static final String TABLES = "Train every method on one teacher/student pair for each seed; write "
            + "<out>/results.md, results.csv and results.png (mean ± std over seeds).";
    private static final String CONTINUES = "Offline methods use the baseline run's teacher (or --teacher-checkpoint). "
            + "Finished runs are reused and interrupted ones resumed, so the same command continues an experiment.";

    @Override
    public void run() {
        throw new IllegalArgumentException("name a task: adm experiment classification|segmentation|diffusion ... (see "
                + "adm experiment --help)");
    }

    @Command(name = "classification", mixinStandardHelpOptions = true,
            defaultValueProvider = Classification.Defaults.class, description = {TABLES, CONTINUES})
    static final class Classification implements Callable<Integer> {
        static final class Defaults extends TaskDefaults {
            Defaults() {
                super(ClassificationConfig.builder().build().run(), ClassificationOptions.defaults(),
                        Map.of("--methods", "baseline,kd,dkd,dml,kdcl,switokd,sokd,adm", "--teacher", "resnet20", "--out",
                        "runs/experiment"));
            }
        }

        @Mixin
        ExperimentOptions experiment = new ExperimentOptions();
        @Mixin
        TrainingOptions training = new TrainingOptions();
        @Mixin
        ClassificationOptions options = new ClassificationOptions();

        @Override
        public Integer call() throws Exception {
            return run(experiment, training.applyTo(options.builder()).students(experiment.students)
                    .teacherCheckpoint(experiment.teacherCheckpoint).build());
        }
    }

    @Command(name = "segmentation", mixinStandardHelpOptions = true,
            defaultValueProvider = Segmentation.Defaults.class, description = {TABLES + " Scored by test mIoU.",
                    CONTINUES + " With --aux every network has an auxiliary head (rdd needs the teacher's)."})
    static final class Segmentation implements Callable<Integer> {
        static final class Defaults extends TaskDefaults {
            Defaults() {
                super(SegmentationConfig.builder().build().run(), SegmentationOptions.defaults(), Map.of("--methods",
                        "baseline,pixel-kd,cwd,akd,rdd,dml,adm", "--teacher", "deeplabv3-resnet20", "--out",
                        "runs/experiment-segmentation"));
            }
        }

        @Mixin
        ExperimentOptions experiment = new ExperimentOptions();
        @Mixin
        TrainingOptions training = new TrainingOptions();
        @Mixin
        SegmentationOptions options = new SegmentationOptions();

        @Override
        public Integer call() throws Exception {
            return run(experiment, training.applyTo(options.builder()).students(experiment.students)
                    .teacherCheckpoint(experiment.teacherCheckpoint).build());
        }
    }

    @Command(name = "diffusion", mixinStandardHelpOptions = true, defaultValueProvider = Diffusion.Defaults.class,
            description = {TABLES + " Scored by held-out denoising MSE, with each student's FID.", CONTINUES
                    + " The baseline's student is the undistilled one."})
    static final class Diffusion implements Callable<Integer> {
        static final class Defaults extends TaskDefaults {
            Defaults() {
                super(DiffusionConfig.builder().build().run(), DiffusionOptions.defaults(), Map.of("--methods",
                        "baseline,output-kd,adm-output-kd,adm", "--teacher", "unet-base", "--out",
                        "runs/experiment-diffusion"));
            }
        }

        @Mixin
        ExperimentOptions experiment = new ExperimentOptions();
        @Mixin
        TrainingOptions training = new TrainingOptions();
        @Mixin
        DiffusionOptions options = new DiffusionOptions();

        @Override
        public Integer call() throws Exception {
            return run(experiment, training.applyTo(options.builder()).students(experiment.students)
                    .teacherCheckpoint(experiment.teacherCheckpoint).build());
        }
    }

    private static int run(ExperimentOptions experiment, TaskConfig template) throws java.io.IOException {
        ExperimentRunner.run(template, experiment.teachers, experiment.variants(), experiment.seeds, experiment.out,
                experiment.retrainChanged);
        System.out.println();
        System.out.print(Files.readString(experiment.out.resolve("results.md")));
        System.out.println("wrote " + experiment.out.resolve("results.md") + ", results.csv and results.png");
        return 0;
    }
}
