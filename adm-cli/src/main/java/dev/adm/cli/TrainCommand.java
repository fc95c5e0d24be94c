package dev.adm.cli;

import dev.adm.models.classification.ClassificationConfig;
import dev.adm.models.classification.ClassificationTrainer;
import dev.adm.diffusion.DiffusionConfig;
import dev.adm.diffusion.DiffusionTrainer;
import dev.adm.segmentation.SegmentationConfig;
import dev.adm.segmentation.SegmentationTrainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code adm train <task>}. */
@Command(name = "train", description = "Train networks with a distillation method.",
        subcommands = {TrainCommand.Classification.class, TrainCommand.Segmentation.class,
                TrainCommand.Diffusion.class})
final class TrainCommand implements Runnable {
    @Override
    public void run() {
        throw new IllegalArgumentException("name a task: adm train classification|segmentation|diffusion ... (see adm train --help)");
    }

    @Command(name = "classification", mixinStandardHelpOptions = true,
            description = "Image classification: Fashion-MNIST by default, CIFAR-10/100 or an image folder with --dataset.")
    static final class Classification implements Callable<Integer> {
        @Option(names = "--method", defaultValue = "adm", description = "method name (adm methods lists them); default ${DEFAULT-VALUE}")
        String method;
        @Option(names = "--param", description = "method parameter key=value, repeatable (e.g. --param tau=0.5)")
        Map<String, String> params = new LinkedHashMap<>();
        @Option(names = "--teacher", split = ",", description = "zoo model(s) of teachers trained jointly (online "
                + "methods); comma-separated for several")
        List<String> teachers = new ArrayList<>();
        @Option(names = "--teacher-checkpoint", description = "trained classifier .zip used as a frozen teacher (kd)")
        Path teacherCheckpoint;
        @Option(names = {"--student", "--model"}, split = ",", defaultValue = "resnet8", description = "zoo model(s) "
                + "of the student(s), comma-separated for several; default ${DEFAULT-VALUE}")
        List<String> students;
        @CommandLine.Mixin
        TrainingOptions training = new TrainingOptions();
        @Option(names = "--out", description = "run directory; default runs/<method>")
        Path out;
        @Option(names = "--resume", description = "continue from <out>/checkpoint.zip")
        boolean resume;
        @Option(names = "--stop-after", defaultValue = "0", description = "stop after N epochs (continue later with --resume)")
        int stopAfter;

        @Override
        public Integer call() {
            ClassificationConfig cfg = training.builder().method(method).methodParams(params).teachers(teachers)
                    .teacherCheckpoint(teacherCheckpoint).students(students)
                    .outDir(out != null ? out : Path.of("runs", method)).resume(resume).stopAfter(stopAfter).build();
            ClassificationTrainer.Result r = ClassificationTrainer.run(cfg);
            System.out.println();
            System.out.println(Tables.runTable(r));
            System.out.println("run directory: " + r.outDir().toAbsolutePath());
            return 0;
        }
    }

    @Command(name = "segmentation", mixinStandardHelpOptions = true,
            description = "Semantic segmentation of scenes composed from Fashion-MNIST items (background + 10 classes).")
    static final class Segmentation implements Callable<Integer> {
        @Option(names = "--method", defaultValue = "baseline", description = "method name (adm methods lists them); "
                + "default ${DEFAULT-VALUE}")
        String method;
        @Option(names = "--param", description = "method parameter key=value, repeatable (e.g. --param T=2)")
        Map<String, String> params = new LinkedHashMap<>();
        @Option(names = "--teacher", split = ",", description = "segmentation model(s) <head>-<backbone> of teachers "
                + "trained jointly (online methods), e.g. deeplabv3-resnet20")
        List<String> teachers = new ArrayList<>();
        @Option(names = "--teacher-checkpoint", description = "frozen teacher (pixel-kd, cwd, akd, rdd): a model .zip "
                + "from adm train segmentation, or a run's checkpoint.zip (keeps the auxiliary head rdd needs)")
        Path teacherCheckpoint;
        @Option(names = {"--student", "--model"}, split = ",", defaultValue = "fcn-resnet8", description = "segmentation "
                + "model(s) <head>-<backbone> of the student(s); heads: fcn, deeplabv3, psp; default ${DEFAULT-VALUE}")
        List<String> students;
        @CommandLine.Mixin
        SegmentationOptions options = new SegmentationOptions();
        @Option(names = "--out", description = "run directory; default runs/segmentation-<method>")
        Path out;
        @Option(names = "--resume", description = "continue from <out>/checkpoint.zip")
        boolean resume;
        @Option(names = "--stop-after", defaultValue = "0", description = "stop after N epochs (continue later with --resume)")
        int stopAfter;

        @Override
        public Integer call() {
            SegmentationConfig cfg = options.builder().method(method).methodParams(params).teachers(teachers)
                    .teacherCheckpoint(teacherCheckpoint).students(students)
                    .outDir(out != null ? out : Path.of("runs", "segmentation-" + method)).resume(resume)
                    .stopAfter(stopAfter).build();
            SegmentationTrainer.Result r = SegmentationTrainer.run(cfg);
            System.out.println();
            System.out.println(Tables.runTable(r));
            System.out.println("run directory: " + r.outDir().toAbsolutePath());
            return 0;
        }
    }

    @Command(name = "diffusion", mixinStandardHelpOptions = true,
            description = "Denoising diffusion (DDPM) on Fashion-MNIST: train U-Nets, distil a small one from a large one.")
    static final class Diffusion implements Callable<Integer> {
        @Option(names = "--method", defaultValue = "baseline", description = "baseline (denoising), output-kd, "
                + "adm-output-kd (frozen teacher), dml, adm (joint teacher); default ${DEFAULT-VALUE}")
        String method;
        @Option(names = "--param", description = "method parameter key=value, repeatable (e.g. --param tau=0.5)")
        Map<String, String> params = new LinkedHashMap<>();
        @Option(names = "--teacher", split = ",", description = "U-Net(s) trained jointly: unet-base, "
                + "unet-small, unet-tiny; add -attn for self-attention at the lowest resolution (unet-base-attn)")
        List<String> teachers = new ArrayList<>();
        @Option(names = "--teacher-checkpoint", description = "a U-Net .zip from adm train diffusion, frozen")
        Path teacherCheckpoint;
        @Option(names = {"--student", "--model"}, split = ",", defaultValue = "unet-small",
                description = "U-Net(s) of the student(s); default ${DEFAULT-VALUE}")
        List<String> students;
        @CommandLine.Mixin
        DiffusionOptions options = new DiffusionOptions();
        @Option(names = "--out", description = "run directory; default runs/diffusion-<method>")
        Path out;
        @Option(names = "--resume", description = "continue from <out>/checkpoint.zip")
        boolean resume;
        @Option(names = "--stop-after", defaultValue = "0", description = "stop after N epochs (continue later with --resume)")
        int stopAfter;

        @Override
        public Integer call() {
            DiffusionConfig cfg = options.builder().method(method).methodParams(params).teachers(teachers)
                    .teacherCheckpoint(teacherCheckpoint).students(students)
                    .outDir(out != null ? out : Path.of("runs", "diffusion-" + method)).resume(resume)
                    .stopAfter(stopAfter).build();
            DiffusionTrainer.Result r = DiffusionTrainer.run(cfg);
            System.out.println();
            System.out.println(Tables.runTable(r));
            System.out.println("run directory: " + r.outDir().toAbsolutePath());
            return 0;
        }
    }
}
