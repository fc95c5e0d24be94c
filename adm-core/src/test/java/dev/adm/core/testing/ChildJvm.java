package dev.adm.core.testing;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
}
