package dev.adm.cli;

import dev.adm.models.classification.ClassificationConfig;
import dev.adm.models.classification.Experiment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code adm experiment <task>}: several methods over several seeds, one table. */
@Command(name = "experiment", description = "Run methods over seeds and write a results table and bar chart.",
        subcommands = {ExperimentCommand.Classification.class})
final class ExperimentCommand implements Runnable {
    @Override
    public void run() {
        throw new IllegalArgumentException("name a task: adm experiment classification ... (see adm experiment --help)");
    }

    @Command(name = "classification", mixinStandardHelpOptions = true, description = {
            "Train every method on one teacher/student pair for each seed; write <out>/results.md, results.csv and "
                    + "results.png (mean ± std over seeds).",
            "Finished runs are reused and interrupted ones resumed, so the same command continues an experiment."})
    static final class Classification implements Callable<Integer> {
        @Option(names = "--methods", split = ",", defaultValue = "baseline,kd,dkd,dml,kdcl,switokd,sokd,adm",
                description = "comma-separated methods; default ${DEFAULT-VALUE}")
        List<String> methods;
        @Option(names = "--ablation", description = "add an ablation: adm (L_co only, L_di only, both, tau sweep)")
        String ablation;
        @Option(names = "--seeds", defaultValue = "3", description = "seeds per method; default ${DEFAULT-VALUE}")
        int seeds;
        @Option(names = "--teacher", defaultValue = "resnet20", description = "teacher model; default ${DEFAULT-VALUE}")
        String teacher;
        @Option(names = "--student", defaultValue = "resnet8", description = "student model; default ${DEFAULT-VALUE}")
        String student;
        @CommandLine.Mixin
        TrainingOptions training = new TrainingOptions();
        @Option(names = "--out", defaultValue = "runs/experiment", description = "default ${DEFAULT-VALUE}")
        Path out;

        @Override
        public Integer call() throws Exception {
            List<Experiment.Variant> variants = new ArrayList<>();
            methods.stream().map(String::trim).filter(m -> !m.isEmpty()).map(Experiment.Variant::of)
                    .forEach(variants::add);
            if (ablation != null) {
                if (!ablation.equals("adm")) {
                    throw new IllegalArgumentException("unknown ablation '" + ablation + "'; available: adm");
                }
                variants.addAll(Experiment.admAblation());
            }
            ClassificationConfig template = training.builder().student(student).build();
            Experiment.run(template, teacher, variants, seeds, out);
            System.out.println();
            System.out.print(Files.readString(out.resolve("results.md")));
            System.out.println("wrote " + out.resolve("results.md") + ", results.csv and results.png");
            return 0;
        }
    }
}
