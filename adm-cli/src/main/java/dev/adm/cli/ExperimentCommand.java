package dev.adm.cli;

import dev.adm.models.classification.ClassificationConfig;
import dev.adm.models.classification.Experiment;
import dev.adm.models.run.ExperimentRunner;
import dev.adm.diffusion.DiffusionExperiment;
import dev.adm.segmentation.SegmentationExperiment;
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
        subcommands = {ExperimentCommand.Classification.class, ExperimentCommand.Segmentation.class,
                ExperimentCommand.Diffusion.class})
final class ExperimentCommand implements Runnable {
    @Override
    public void run() {
        throw new IllegalArgumentException("name a task: adm experiment classification|segmentation|diffusion ... (see adm experiment --help)");
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
            Experiment.run(training.builder().student(student).build(), teacher, variants(methods, ablation), seeds,
                    out);
            return printed(out);
        }
    }

    @Command(name = "segmentation", mixinStandardHelpOptions = true, description = {
            "Train every method on one teacher/student pair of segmentation models for each seed; write "
                    + "<out>/results.md, results.csv and results.png (test mIoU, mean ± std over seeds).",
            "Offline methods (pixel-kd, cwd, akd, rdd) use the baseline run's teacher; with --aux every network has "
                    + "an auxiliary head (rdd needs the teacher's). Finished runs are reused, interrupted ones resumed."})
    static final class Segmentation implements Callable<Integer> {
        @Option(names = "--methods", split = ",", defaultValue = "baseline,pixel-kd,cwd,akd,rdd,dml,adm",
                description = "comma-separated methods; default ${DEFAULT-VALUE}")
        List<String> methods;
        @Option(names = "--ablation", description = "add an ablation: adm (L_co only, L_di only, both, tau sweep)")
        String ablation;
        @Option(names = "--seeds", defaultValue = "3", description = "seeds per method; default ${DEFAULT-VALUE}")
        int seeds;
        @Option(names = "--teacher", defaultValue = "deeplabv3-resnet20", description = "teacher; default ${DEFAULT-VALUE}")
        String teacher;
        @Option(names = "--student", defaultValue = "fcn-resnet8", description = "student; default ${DEFAULT-VALUE}")
        String student;
        @CommandLine.Mixin
        SegmentationOptions options = new SegmentationOptions();
        @Option(names = "--out", defaultValue = "runs/experiment-segmentation", description = "default ${DEFAULT-VALUE}")
        Path out;

        @Override
        public Integer call() throws Exception {
            SegmentationExperiment.run(options.builder().students(List.of(student)).outDir(out).build(), teacher,
                    variants(methods, ablation), seeds, out);
            return printed(out);
        }
    }

    @Command(name = "diffusion", mixinStandardHelpOptions = true, description = {
            "Train every method on one teacher/student pair of U-Nets for each seed; write <out>/results.md, "
                    + "results.csv and results.png (held-out denoising MSE and FID, mean ± std over seeds).",
            "Offline methods (output-kd, adm-output-kd) use the baseline run's teacher; the baseline's student is the "
                    + "undistilled one. Finished runs are reused, interrupted ones resumed."})
    static final class Diffusion implements Callable<Integer> {
        @Option(names = "--methods", split = ",", defaultValue = "baseline,output-kd,adm-output-kd,adm",
                description = "comma-separated methods; default ${DEFAULT-VALUE}")
        List<String> methods;
        @Option(names = "--seeds", defaultValue = "3", description = "seeds per method; default ${DEFAULT-VALUE}")
        int seeds;
        @Option(names = "--teacher", defaultValue = "unet-base", description = "teacher; default ${DEFAULT-VALUE}")
        String teacher;
        @Option(names = "--student", defaultValue = "unet-small", description = "student; default ${DEFAULT-VALUE}")
        String student;
        @CommandLine.Mixin
        DiffusionOptions options = new DiffusionOptions();
        @Option(names = "--out", defaultValue = "runs/experiment-diffusion", description = "default ${DEFAULT-VALUE}")
        Path out;

        @Override
        public Integer call() throws Exception {
            DiffusionExperiment.run(options.builder().students(List.of(student)).outDir(out).build(), teacher,
                    variants(methods, null), seeds, out);
            return printed(out);
        }
    }

    private static List<ExperimentRunner.Variant> variants(List<String> methods, String ablation) {
        List<ExperimentRunner.Variant> variants = new ArrayList<>();
        methods.stream().map(String::trim).filter(m -> !m.isEmpty()).map(ExperimentRunner.Variant::of)
                .forEach(variants::add);
        if (ablation != null) {
            if (!ablation.equals("adm")) {
                throw new IllegalArgumentException("unknown ablation '" + ablation + "'; available: adm");
            }
            variants.addAll(ExperimentRunner.admAblation());
        }
        return variants;
    }

    private static int printed(Path out) throws java.io.IOException {
        System.out.println();
        System.out.print(Files.readString(out.resolve("results.md")));
        System.out.println("wrote " + out.resolve("results.md") + ", results.csv and results.png");
        return 0;
    }
}
