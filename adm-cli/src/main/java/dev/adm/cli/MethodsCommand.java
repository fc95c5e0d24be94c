package dev.adm.cli;

import dev.adm.core.engine.LabelKind;
import dev.adm.core.methods.MethodRegistry;
import dev.adm.core.methods.ParamSpec;
import picocli.CommandLine.Command;

/** {@code adm methods}: every registered method, the tasks it runs on, and its parameters with their defaults. */
@Command(name = "methods", mixinStandardHelpOptions = true, description = "List the distillation methods.")
final class MethodsCommand implements Runnable {
    @Override
    public void run() {
        for (MethodRegistry.Entry e : MethodRegistry.entries()) {
            System.out.printf("%-10s %s%n", e.name(), e.description());
            System.out.printf("    runs on: %s%n", e.labelKinds().stream().map(LabelKind::task)
                    .collect(java.util.stream.Collectors.joining(", ")));
            for (ParamSpec p : e.params()) {
                System.out.printf("    %-11s = %-9s %s%n", p.key(), p.defaultValue(), p.description());
            }
        }
    }
}
