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
}
