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
        @Option(names = "--teacher", split = ",", description = "U-Net(s) trained jointly: unet-base, unet-small, unet-tiny")
        List<String> teachers = new ArrayList<>();
        @Option(names = "--teacher-checkpoint", description = "a U-Net .zip from adm train diffusion, frozen")
        Path teacherCheckpoint;
        @Option(names = {"--student", "--model"}, split = ",", defaultValue = "unet-small",
                description = "U-Net(s) of the student(s); default ${DEFAULT-VALUE}")
        List<String> students;
        @Option(names = "--epochs", defaultValue = "10", description = "default ${DEFAULT-VALUE}")
        int epochs;
        @Option(names = "--batch", defaultValue = "64", description = "default ${DEFAULT-VALUE}")
        int batch;
        @Option(names = "--lr", defaultValue = "0.002", description = "initial Adam learning rate, cosine-annealed; default ${DEFAULT-VALUE}")
        double lr;
        @Option(names = "--seed", defaultValue = "42", description = "default ${DEFAULT-VALUE}")
        long seed;
        @Option(names = "--schedule", defaultValue = "cosine", description = "noise schedule: linear or cosine; default ${DEFAULT-VALUE}")
        String schedule;
        @Option(names = "--steps", defaultValue = "1000", description = "diffusion steps T; default ${DEFAULT-VALUE}")
        int steps;
        @Option(names = "--downsample", defaultValue = "2", description = "1: 28x28 images, 2: 14x14; default ${DEFAULT-VALUE}")
        int downsample;
        @CommandLine.Mixin
        DataOptions data = new DataOptions();
        @Option(names = "--train-limit", defaultValue = "0", description = "train on the first N images only (0 = all)")
        int trainLimit;
        @Option(names = "--eval-images", defaultValue = "500", description = "held-out images of the denoising MSE; default ${DEFAULT-VALUE}")
        int evalImages;
        @Option(names = "--samples", defaultValue = "64", description = "images sampled per network at the end; default ${DEFAULT-VALUE}")
        int samples;
        @Option(names = "--sampling-steps", defaultValue = "50", description = "DDIM steps of those samples; default ${DEFAULT-VALUE}")
        int samplingSteps;
        @Option(names = "--fid-samples", defaultValue = "1000", description = "samples per network for the FID "
                + "(0 = none); default ${DEFAULT-VALUE}")
        int fidSamples;
        @Option(names = "--fid-classifier-dir", defaultValue = "runs/fid-classifier", description = "where the FID "
                + "feature network is trained on first use and reused; default ${DEFAULT-VALUE}")
        Path fidClassifier;
        @Option(names = "--out", description = "run directory; default runs/diffusion-<method>")
        Path out;
        @Option(names = "--resume", description = "continue from <out>/checkpoint.zip")
        boolean resume;
        @Option(names = "--stop-after", defaultValue = "0", description = "stop after N epochs (continue later with --resume)")
        int stopAfter;
        @Option(names = "--no-progress", description = "no progress bar")
        boolean noProgress;

        @Override
        public Integer call() {
            DiffusionConfig cfg = DiffusionConfig.builder().method(method).methodParams(params).teachers(teachers)
                    .teacherCheckpoint(teacherCheckpoint).students(students).epochs(epochs).batchSize(batch)
                    .learningRate(lr).seed(seed).schedule(schedule).steps(steps).downsample(downsample)
                    .dataDir(data.data).embeddedData(data.embedded).trainLimit(trainLimit).evalImages(evalImages)
                    .samples(samples).samplingSteps(samplingSteps).fidSamples(fidSamples).fidClassifier(fidClassifier)
                    .outDir(out != null ? out : Path.of("runs", "diffusion-" + method)).resume(resume)
                    .stopAfter(stopAfter).progress(!noProgress).build();
            DiffusionTrainer.Result r = DiffusionTrainer.run(cfg);
            System.out.println();
            System.out.println(Tables.runTable(r));
            System.out.println("run directory: " + r.outDir().toAbsolutePath());
            return 0;
        }
    }
}
