package dev.adm.cli;

import dev.adm.core.backend.Backend;
import dev.adm.core.backend.BackendUnavailableException;
import dev.adm.models.data.DataFormatException;
import dev.adm.models.run.Checkpoint;
import dev.adm.models.run.TrainingRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code adm} command line: a thin layer over the pipelines in adm-models. */
@Command(name = "adm", mixinStandardHelpOptions = true, version = "adm 0.1.0",
        description = "Knowledge distillation on the JVM (DL4J): ADM, DML, KD and friends.",
        subcommands = {QuickstartCommand.class, TrainCommand.class, ExperimentCommand.class, EvalCommand.class,
                LossCommand.class, VisualizeCommand.class, SampleCommand.class, ExportBatchesCommand.class,
                MethodsCommand.class, ZooCommand.class,
                CommandLine.HelpCommand.class})
public final class AdmCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> TrainingRun.activeRun()
                .ifPresent(dir -> System.err.println(interrupted(dir)))));
        int code;
        try {
            Backend.initialize(); // before picocli builds defaults from the zoo: a failure is then one line
            code = commandLine().execute(args);
        } catch (BackendUnavailableException e) {
            System.err.println("adm: " + e.getMessage());
            code = 2;
        } catch (OutOfMemoryError e) {
            System.err.println("adm: out of memory (" + e.getMessage() + "); give the JVM more, e.g. "
                    + "ADM_JAVA_OPTS=\"-Xmx8g -Dorg.bytedeco.javacpp.maxbytes=16G "
                    + "-Dorg.bytedeco.javacpp.maxphysicalbytes=20G\" ./adm ..., or use a smaller --batch");
            code = 2;
        }
        System.exit(code);
    }

    /** The line an interrupted training process prints: whether, and how, its run can be continued. */
    static String interrupted(Path dir) {
        return Files.exists(dir.resolve(Checkpoint.FILE))
                ? "adm: interrupted; the checkpoint in " + dir + " holds the last saved step: run the same command "
                + "with --resume to continue"
                : "adm: interrupted before the first checkpoint of " + dir + ": nothing to continue; run the same "
                + "command to start again";
    }

    /** The configured command line (also used by tests). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new AdmCommand());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    || e instanceof DataFormatException || e instanceof UncheckedIOException) {
                commandLine.getErr().println("adm: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cl;
    }
}
