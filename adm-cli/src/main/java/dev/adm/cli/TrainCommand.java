package dev.adm.cli;

import dev.adm.models.classification.ClassificationConfig;
import dev.adm.models.classification.ClassificationTrainer;
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
        subcommands = {TrainCommand.Classification.class})
final class TrainCommand implements Runnable {
    @Override
    public void run() {
        throw new IllegalArgumentException("name a task: adm train classification ... (see adm train --help)");
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
        @Option(names = "--epochs", defaultValue = "10", description = "default ${DEFAULT-VALUE}")
        int epochs;
        @Option(names = "--batch", defaultValue = "128", description = "default ${DEFAULT-VALUE}")
        int batch;
        @Option(names = "--lr", defaultValue = "0.05", description = "initial learning rate, cosine-annealed; default ${DEFAULT-VALUE}")
        double lr;
        @Option(names = "--seed", defaultValue = "42", description = "default ${DEFAULT-VALUE}")
        long seed;
        @CommandLine.Mixin
        DataOptions dataOptions = new DataOptions();
        @Option(names = "--train-limit", defaultValue = "0", description = "train on the first N images only (0 = all)")
        int trainLimit;
        @Option(names = "--no-augment", description = "turn off pad-crop and flip augmentation")
        boolean noAugment;
        @Option(names = "--out", description = "run directory; default runs/<method>")
        Path out;
        @Option(names = "--resume", description = "continue from <out>/checkpoint.zip")
        boolean resume;
        @Option(names = "--stop-after", defaultValue = "0", description = "stop after N epochs (continue later with --resume)")
        int stopAfter;
        @Option(names = "--no-progress", description = "no progress bar")
        boolean noProgress;

        @Override
        public Integer call() {
            ClassificationConfig cfg = ClassificationConfig.builder().method(method).methodParams(params)
                    .teachers(teachers).teacherCheckpoint(teacherCheckpoint).students(students).epochs(epochs)
                    .batchSize(batch).learningRate(lr).seed(seed).dataset(dataOptions.dataset).dataDir(dataOptions.data)
                    .imageSize(dataOptions.imageSize).embeddedData(dataOptions.embedded).trainLimit(trainLimit)
                    .augment(!noAugment).outDir(out != null ? out : Path.of("runs", method)).resume(resume).stopAfter(stopAfter)
                    .progress(!noProgress).build();
            ClassificationTrainer.Result r = ClassificationTrainer.run(cfg);
            System.out.println();
            System.out.println(Tables.runTable(r));
            System.out.println("run directory: " + r.outDir().toAbsolutePath());
            return 0;
        }
    }
}
