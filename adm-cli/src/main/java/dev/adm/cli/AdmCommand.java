package dev.adm.cli;

import dev.adm.models.data.DataFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.UncheckedIOException;

/** The {@code adm} command line: a thin layer over the pipelines in adm-models. */
@Command(name = "adm", mixinStandardHelpOptions = true, version = "adm 0.1.0",
        description = "Knowledge distillation on the JVM (DL4J): ADM, DML, KD and friends.",
        subcommands = {QuickstartCommand.class, TrainCommand.class, ExperimentCommand.class, EvalCommand.class,
                LossCommand.class, VisualizeCommand.class, SampleCommand.class,
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
        System.exit(commandLine().execute(args));
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
