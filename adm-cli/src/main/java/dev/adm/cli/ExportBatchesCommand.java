package dev.adm.cli;

import dev.adm.models.run.MinibatchExport;
import dev.adm.models.run.TaskConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code adm export-batches <task>}: a task's training minibatches, as a run of the same options draws them, written
 * as DL4J minibatch files for training on a cluster (docs/spark.md). The task options and their defaults are the
 * {@code train} command's.
 */
@Command(name = "export-batches", mixinStandardHelpOptions = true, description = "Write a task's training "
        + "minibatches (order, augmentation, batch size of a run with these options) as DL4J DataSet files, one "
        + "directory per epoch.", subcommands = {ExportBatchesCommand.Classification.class,
        ExportBatchesCommand.Segmentation.class, ExportBatchesCommand.Diffusion.class})
final class ExportBatchesCommand implements Runnable {
    @Override
    public void run() {
        throw new IllegalArgumentException("name a task: adm export-batches classification|segmentation|diffusion "
                + "... --out DIR");
    }

    /** The export's own options. */
    static final class Target {
        @Option(names = "--out", required = true, description = "a new or empty directory")
        Path out;
    }

    private static int export(TaskConfig config, Path out, int epochs) {
        MinibatchExport.Written w = MinibatchExport.write(config, out, epochs);
        System.out.printf("%d epoch(s) of %d minibatches in %s%n", w.epochs(), w.batchesPerEpoch(),
                w.dir().toAbsolutePath());
        return 0;
    }

    @Command(name = "classification", mixinStandardHelpOptions = true,
            defaultValueProvider = TrainCommand.Classification.Defaults.class)
    static final class Classification implements Callable<Integer> {
        @Mixin
        Target target = new Target();
        @Mixin
        TrainingOptions training = new TrainingOptions();
        @Mixin
        ClassificationOptions options = new ClassificationOptions();

        @Override
        public Integer call() {
            return export(training.applyTo(options.builder().outDir(target.out)).build(), target.out,
                    training.epochs);
        }
    }

    @Command(name = "segmentation", mixinStandardHelpOptions = true,
            defaultValueProvider = TrainCommand.Segmentation.Defaults.class)
    static final class Segmentation implements Callable<Integer> {
        @Mixin
        Target target = new Target();
        @Mixin
        TrainingOptions training = new TrainingOptions();
        @Mixin
        SegmentationOptions options = new SegmentationOptions();

        @Override
        public Integer call() {
            return export(training.applyTo(options.builder().outDir(target.out)).build(), target.out,
                    training.epochs);
        }
    }

    @Command(name = "diffusion", mixinStandardHelpOptions = true,
            defaultValueProvider = TrainCommand.Diffusion.Defaults.class)
    static final class Diffusion implements Callable<Integer> {
        @Mixin
        Target target = new Target();
        @Mixin
        TrainingOptions training = new TrainingOptions();
        @Mixin
        DiffusionOptions options = new DiffusionOptions();

        @Override
        public Integer call() {
            return export(training.applyTo(options.builder().outDir(target.out)).build(), target.out,
                    training.epochs);
        }
    }
}
