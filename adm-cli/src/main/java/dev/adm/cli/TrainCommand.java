package dev.adm.cli;

import dev.adm.diffusion.DiffusionConfig;
import dev.adm.diffusion.DiffusionTrainer;
import dev.adm.models.classification.ClassificationConfig;
import dev.adm.models.classification.ClassificationTrainer;
import dev.adm.models.run.RunResult;
import dev.adm.models.run.TrainingRun;
import dev.adm.segmentation.SegmentationConfig;
import dev.adm.segmentation.SegmentationTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code adm train <task>}: one run of a task, from the shared options plus the task's own. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train networks with a distillation method.",
        subcommands = {TrainCommand.Classification.class, TrainCommand.Segmentation.class,
                TrainCommand.Diffusion.class})
final class TrainCommand implements Runnable {
    @Override
    public void run() {
        throw new IllegalArgumentException("name a task: adm train classification|segmentation|diffusion ... (see adm "
                + "train --help)");
    }

    @Command(name = "classification", mixinStandardHelpOptions = true,
            defaultValueProvider = Classification.Defaults.class,
            description = {"Image classification: Fashion-MNIST by default, CIFAR-10/100 or an image folder with "
                    + "--dataset.", "Models: any zoo model (adm zoo list)."})
    static final class Classification implements Callable<Integer> {
        static final class Defaults extends TaskDefaults {
            Defaults() {
                super(ClassificationConfig.builder().build().run(), ClassificationOptions.defaults(), Map.of("--method",
                        "adm"));
            }
        }

        @Mixin
        RunOptions run = new RunOptions();
        @Mixin
        TrainingOptions training = new TrainingOptions();
        @Mixin
        ClassificationOptions options = new ClassificationOptions();

        @Override
        public Integer call() {
            ClassificationConfig cfg = training.applyTo(run.applyTo(options.builder(), Path.of("runs", run.method)))
                    .build();
            return printed(ClassificationTrainer.run(cfg), ClassificationTrainer.METRIC);
        }
    }

    @Command(name = "segmentation", mixinStandardHelpOptions = true,
            defaultValueProvider = Segmentation.Defaults.class,
            description = {"Semantic segmentation of scenes composed from Fashion-MNIST items (background + 10 "
                    + "classes), or of a Cityscapes, CamVid or VOC folder.", "Models: <head>-<backbone>[-os8], heads "
                    + "fcn, deeplabv3, psp on any zoo backbone (e.g. deeplabv3-resnet20); a frozen teacher may also be "
                    + "a run's checkpoint.zip (keeps the auxiliary head rdd needs)."})
    static final class Segmentation implements Callable<Integer> {
        static final class Defaults extends TaskDefaults {
            Defaults() {
                super(SegmentationConfig.builder().build().run(), SegmentationOptions.defaults(), Map.of());
            }
        }

        @Mixin
        RunOptions run = new RunOptions();
        @Mixin
        TrainingOptions training = new TrainingOptions();
        @Mixin
        SegmentationOptions options = new SegmentationOptions();

        @Override
        public Integer call() {
            SegmentationConfig cfg = training.applyTo(run.applyTo(options.builder(),
                    Path.of("runs", "segmentation-" + run.method))).build();
            return printed(SegmentationTrainer.run(cfg), SegmentationTrainer.METRIC);
        }
    }

    @Command(name = "diffusion", mixinStandardHelpOptions = true, defaultValueProvider = Diffusion.Defaults.class,
            description = {"Denoising diffusion (DDPM) on Fashion-MNIST: train U-Nets, distil a small one from a "
                    + "large one.", "Methods: baseline (denoising), output-kd, adm-output-kd (frozen teacher), dml, "
                    + "adm "
                    + "(joint teacher). Models: unet-base, unet-small, unet-tiny; add -attn for self-attention at the "
                    + "lowest resolution (unet-base-attn). The learning rate is Adam's."})
    static final class Diffusion implements Callable<Integer> {
        static final class Defaults extends TaskDefaults {
            Defaults() {
                super(DiffusionConfig.builder().build().run(), DiffusionOptions.defaults(), Map.of());
            }
        }

        @Mixin
        RunOptions run = new RunOptions();
        @Mixin
        TrainingOptions training = new TrainingOptions();
        @Mixin
        DiffusionOptions options = new DiffusionOptions();

        @Override
        public Integer call() {
            DiffusionConfig cfg = training.applyTo(run.applyTo(options.builder(),
                    Path.of("runs", "diffusion-" + run.method))).build();
            return printed(DiffusionTrainer.run(cfg), DiffusionTrainer.METRIC);
        }
    }

    private static int printed(RunResult r, TrainingRun.Metric metric) {
        System.out.println();
        System.out.println(Tables.runTable(r, metric));
        System.out.println("run directory: " + r.outDir().toAbsolutePath());
        return 0;
    }
}
