package dev.adm.cli;

import dev.adm.core.methods.MethodRegistry;
import dev.adm.core.methods.ParamSpec;
import picocli.CommandLine.Command;

/** {@code adm methods}: every registered method with its parameters and defaults. */
@Command(name = "methods", mixinStandardHelpOptions = true, description = "List the distillation methods.")
final class MethodsCommand implements Runnable {
    @Override
    public void run() {
        for (MethodRegistry.Entry e : MethodRegistry.entries()) {
            System.out.printf("%-10s %s%n", e.name(), e.description());
            for (ParamSpec p : e.params()) {
                System.out.printf("    %-11s = %-9s %s%n", p.key(), p.defaultValue(), p.description());
            }
        }
    }
}
