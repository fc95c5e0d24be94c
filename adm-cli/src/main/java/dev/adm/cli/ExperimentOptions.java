package dev.adm.cli;

import dev.adm.models.run.Ablations;
import dev.adm.models.run.ExperimentRunner;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The methods, seeds and pair of an experiment: the options every {@code experiment} command shares (a picocli
 * mixin; each command's {@link TaskDefaults} gives its task's defaults).
 */
final class ExperimentOptions {
    @Option(names = "--methods", split = ",", description = "comma-separated methods; default ${DEFAULT-VALUE}")
    List<String> methods;
    @Option(names = "--ablation", description = "add an ablation: adm (L_co only, L_di only, both, tau sweep)")
    String ablation;
    @Option(names = "--seeds", defaultValue = "3", description = "seeds per method; default ${DEFAULT-VALUE}")
    int seeds;
    @Option(names = "--teacher", description = "teacher model; default ${DEFAULT-VALUE}")
    String teacher;
    @Option(names = "--student", description = "student model; default ${DEFAULT-VALUE}")
    String student;
    @Option(names = "--out", description = "default ${DEFAULT-VALUE}")
    Path out;
    @Option(names = "--retrain-changed", description = "train again a run of <out> made with other settings (else "
            + "such a run is refused, naming the setting)")
    boolean retrainChanged;

    /** The table's rows: each method, then the ablation's variants. */
    List<ExperimentRunner.Variant> variants() {
        List<ExperimentRunner.Variant> variants = new ArrayList<>();
        methods.stream().map(String::trim).filter(m -> !m.isEmpty()).map(ExperimentRunner.Variant::of)
                .forEach(variants::add);
        if (ablation != null) {
            variants.addAll(Ablations.get(ablation));
        }
        return variants;
    }
}
