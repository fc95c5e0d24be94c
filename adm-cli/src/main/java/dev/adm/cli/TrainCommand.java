package dev.adm.cli;

import dev.adm.models.classification.ClassificationConfig;
import dev.adm.models.classification.ClassificationTrainer;
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
        subcommands = {TrainCommand.Classification.class, TrainCommand.Segmentation.class})
final class TrainCommand implements Runnable {
    @Override
    public void run() {
        throw new IllegalArgumentException("name a task: adm train classification|segmentation ... (see adm train --help)");
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
        @Option(names = "--aux", description = "give the networks built here an auxiliary FCN head on the "
                + "second-to-last stage (tap aux, trained with weight 0.4)")
        boolean aux;
        @Option(names = {"--student", "--model"}, split = ",", defaultValue = "fcn-resnet8", description = "segmentation "
                + "model(s) <head>-<backbone> of the student(s); heads: fcn, deeplabv3, psp; default ${DEFAULT-VALUE}")
        List<String> students;
        @Option(names = "--epochs", defaultValue = "10", description = "default ${DEFAULT-VALUE}")
        int epochs;
        @Option(names = "--batch", defaultValue = "32", description = "default ${DEFAULT-VALUE}")
        int batch;
        @Option(names = "--lr", defaultValue = "0.05", description = "initial learning rate, cosine-annealed; default ${DEFAULT-VALUE}")
        double lr;
        @Option(names = "--seed", defaultValue = "42", description = "default ${DEFAULT-VALUE}")
        long seed;
        @Option(names = "--canvas", defaultValue = "64", description = "scene size in pixels; default ${DEFAULT-VALUE}")
        int canvas;
        @Option(names = "--items", defaultValue = "1..3", description = "items per scene, min..max; default ${DEFAULT-VALUE}")
        String items;
        @Option(names = "--train-scenes", defaultValue = "4000", description = "training scenes; default ${DEFAULT-VALUE}")
        int trainScenes;
        @Option(names = "--test-scenes", defaultValue = "500", description = "test scenes; default ${DEFAULT-VALUE}")
        int testScenes;
        @Option(names = "--data", description = "Fashion-MNIST IDX directory for the items (without it: the system "
                + "copy, else the embedded subset); with --data-format, the dataset root holding train/ and val/")
        Path data;
        @Option(names = "--data-format", description = "train on a folder dataset instead of composed scenes: "
                + "cityscapes (trainIds), camvid or voc; <split>/images and <split>/labels matched by name")
        String dataFormat;
        @Option(names = "--size", defaultValue = "64x64", description = "folder datasets: resize to HxW; default ${DEFAULT-VALUE}")
        String size;
        @Option(names = "--embedded", description = "take the items from the embedded subset even when the full set is installed")
        boolean embedded;
        @Option(names = "--no-flip", description = "turn off horizontal flips of training scenes")
        boolean noFlip;
        @Option(names = "--overlays", defaultValue = "6", description = "test scenes drawn in overlays.png; default ${DEFAULT-VALUE}")
        int overlays;
        @Option(names = "--out", description = "run directory; default runs/segmentation-<method>")
        Path out;
        @Option(names = "--resume", description = "continue from <out>/checkpoint.zip")
        boolean resume;
        @Option(names = "--stop-after", defaultValue = "0", description = "stop after N epochs (continue later with --resume)")
        int stopAfter;
        @Option(names = "--no-progress", description = "no progress bar")
        boolean noProgress;

        @Override
        public Integer call() {
            String[] range = items.split("\\.\\.", -1);
            if (range.length != 2 || !range[0].matches("\\d+") || !range[1].matches("\\d+")) {
                throw new IllegalArgumentException("--items must be min..max, e.g. 1..3; got " + items);
            }
            String[] hw = size.toLowerCase(java.util.Locale.ROOT).split("x", -1);
            if (hw.length != 2 || !hw[0].matches("\\d+") || !hw[1].matches("\\d+")) {
                throw new IllegalArgumentException("--size must be HxW, e.g. 64x128; got " + size);
            }
            SegmentationConfig cfg = SegmentationConfig.builder().method(method).methodParams(params).teachers(teachers)
                    .teacherCheckpoint(teacherCheckpoint).students(students).auxiliary(aux).epochs(epochs)
                    .batchSize(batch)
                    .learningRate(lr).seed(seed).canvas(canvas)
                    .items(Integer.parseInt(range[0]), Integer.parseInt(range[1])).trainScenes(trainScenes)
                    .testScenes(testScenes).dataDir(data)
                    .folder(dataFormat, Integer.parseInt(hw[0]), Integer.parseInt(hw[1])).embeddedData(embedded).flip(!noFlip).overlays(overlays)
                    .outDir(out != null ? out : Path.of("runs", "segmentation-" + method)).resume(resume)
                    .stopAfter(stopAfter).progress(!noProgress).build();
            SegmentationTrainer.Result r = SegmentationTrainer.run(cfg);
            System.out.println();
            System.out.println(Tables.runTable(r));
            System.out.println("run directory: " + r.outDir().toAbsolutePath());
            return 0;
        }
    }
}
