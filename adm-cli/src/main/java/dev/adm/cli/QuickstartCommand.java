package dev.adm.cli;

import dev.adm.models.classification.ClassificationConfig;
import dev.adm.models.run.AtomicFiles;
import dev.adm.models.run.ExperimentRunner;
import dev.adm.models.run.RunSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code adm quickstart}, the main job: DML and ADM train the same teacher/student pair on the embedded
 * Fashion-MNIST subset with the same seed, and a table compares them.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "ADM vs DML on the embedded Fashion-MNIST subset (a few minutes on 2 cores).")
final class QuickstartCommand implements Callable<Integer> {
    @Option(names = "--teacher", defaultValue = "resnet20", description = "default ${DEFAULT-VALUE}")
    String teacher;
    @Option(names = "--student", defaultValue = "resnet8", description = "default ${DEFAULT-VALUE}")
    String student;
    @Option(names = "--epochs", defaultValue = "2", description = "default ${DEFAULT-VALUE}")
    int epochs;
    @Option(names = "--train-limit", defaultValue = "3000", description = "training images used; default ${DEFAULT-VALUE}")
    int trainLimit;
    @Option(names = "--seed", defaultValue = "42", description = "default ${DEFAULT-VALUE}")
    long seed;
    @Option(names = "--out", defaultValue = "runs/quickstart", description = "default ${DEFAULT-VALUE}")
    Path out;
    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;
    @Option(names = "--retrain-changed", description = "train again a run of <out> made with other settings (a "
            + "finished run with these settings is reused, an interrupted one resumed)")
    boolean retrainChanged;

    @Override
    public Integer call() {
        Map<String, ExperimentRunner.RunOutcome> results = new LinkedHashMap<>();
        for (String method : new String[]{"dml", "adm"}) {
            System.out.printf("%n== %s: %s (teacher) and %s (student), %d epochs ==%n", method, teacher, student, epochs);
            results.put(method, ExperimentRunner.runOrReuse(ClassificationConfig.builder().method(method)
                    .teacher(teacher).student(student).epochs(epochs).trainLimit(trainLimit).seed(seed)
                    .embeddedData(true).outDir(out.resolve(method)).progress(!noProgress).build(), retrainChanged));
        }
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                "| method | teacher %s top-1 | student %s top-1 | train time |%n|---|---:|---:|---:|%n", teacher, student));
        results.forEach((method, r) -> table.append(String.format(Locale.ROOT, "| %s | %.2f%% | %.2f%% | %.0f s |%n",
                method, 100 * r.finalScores().get(RunSettings.TEACHER),
                100 * r.finalScores().get(RunSettings.STUDENT), r.trainSeconds())));
        AtomicFiles.writeString(out.resolve("summary.md"), table.toString());
        System.out.println();
        System.out.print(table);
        System.out.println("student models: " + out.resolve("dml/student.zip") + ", " + out.resolve("adm/student.zip")
                + "; curves: " + out.resolve("*/curves.png"));
        return 0;
    }
}
