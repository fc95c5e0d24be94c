package dev.adm.core.testing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** The command line of a child JVM for tests that must kill a process or measure one in isolation. */
public final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * {@code java}, this JVM's vector-module, heap and ND4J memory options (so the child computes the same floats),
     * then {@code options} (later ones win), this JVM's class path, {@code mainClass} and {@code args}.
     */
    public static List<String> command(List<String> options, Class<?> mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-modules") || a.startsWith("-Xmx") || a.startsWith("-Dorg.bytedeco"))
                .forEach(cmd::add);
        cmd.addAll(options);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        cmd.addAll(args);
        return cmd;
    }

    /** What a child process printed (standard output and error together) and its exit code. */
    public record Output(int exitCode, String text) {
    }

    /**
     * Runs {@code command} to its end and returns what it printed; a child still running after {@code timeout} is
     * killed and the test fails, showing what it had printed. The output goes to a file, so a child that prints a lot
     * cannot block on a full pipe, and the timeout holds even when it prints nothing.
     */
    public static Output run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Path log = Files.createTempFile("child-jvm", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                fail("the child did not finish within " + timeout + ": " + String.join(" ", command) + "\n"
                        + Files.readString(log));
            }
            return new Output(p.exitValue(), Files.readString(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
