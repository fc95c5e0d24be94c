package dev.adm.cli;

import dev.adm.models.run.Ablations;
import dev.adm.models.run.ExperimentRunner;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;

/**
 * The methods, seeds and pair of an experiment: the options every {@code experiment} command shares (a picocli
 * mixin; each command's {@link TaskDefaults} gives its task's defaults).
 */
final class ExperimentOptions {
    @Option(names = "--methods", split = ",", description = "comma-separated methods, each with its own seed count "
            + "as method:N if it needs one (e.g. dml:5,adm:5,kd); default ${DEFAULT-VALUE}")
    List<String> methods;
    @Option(names = "--ablation", description = "add an ablation: adm (L_co only, L_di only, both, tau 0.1-2) "
            + "or adm-sweep (L_co only, L_di only, tau 0.25-2, alpha = beta 0.5 and 2, similarity=attention, "
            + "variant=mimicry, uniform location weights; controls dml lambda=2, kd b=1.9 and adm-dkd with uniform "
            + "weights)")
    String ablation;
    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "a method parameter for every method that has "
            + "it, repeatable (e.g. --param similarity=attention: ADM's rows on a pair whose channels differ)")
    Map<String, String> params = new LinkedHashMap<>();
    @Option(names = "--seeds", defaultValue = "3", description = "seeds per method without its own count, from "
            + "--seed; default ${DEFAULT-VALUE}")
    int seeds;
    @Option(names = "--teacher", split = ",", description = "teacher model(s), comma-separated for several trained "
            + "jointly; default ${DEFAULT-VALUE}")
    List<String> teachers;
    @Option(names = "--teacher-checkpoint", paramLabel = "FILE", description = "a trained teacher (a model .zip "
            + "from adm train) that every offline row distils from, for every seed, instead of the baseline run's "
            + "teacher of that seed; the baseline row then trains the student alone beside it (the undistilled "
            + "student), and online rows still train --teacher from scratch")
    Path teacherCheckpoint;
    @Option(names = "--student", split = ",", description = "student model(s), comma-separated for several trained "
            + "together; default ${DEFAULT-VALUE}")
    List<String> students;
    @Option(names = "--out", description = "default ${DEFAULT-VALUE}")
    Path out;
    @Option(names = "--retrain-changed", description = "train again a run of <out> made with other settings (else "
            + "such a run is refused, naming the setting)")
    boolean retrainChanged;

    /** The table's rows: each method, then the ablation's variants. */
    List<ExperimentRunner.Variant> variants() {
        List<ExperimentRunner.Variant> variants = new ArrayList<>();
        methods.stream().map(String::trim).filter(m -> !m.isEmpty()).map(ExperimentOptions::variant)
                .forEach(variants::add);
        if (ablation != null) {
            variants.addAll(Ablations.get(ablation));
        }
        params.keySet().forEach(k -> {
            if (variants.stream().noneMatch(v -> dev.adm.core.methods.MethodRegistry.entry(v.method()).params()
                    .stream().anyMatch(p -> p.key().equals(k)))) {
                throw new IllegalArgumentException("--param " + k + ": none of the methods has it (adm methods "
                        + "lists each method's parameters)");
            }
        });
        return variants.stream().map(v -> v.withDefaults(params)).toList();
    }

    /** {@code dml} or {@code dml:5} (five seeds). */
    static ExperimentRunner.Variant variant(String method) {
        int colon = method.indexOf(':');
        if (colon < 0) {
            return ExperimentRunner.Variant.of(method);
        }
        String count = method.substring(colon + 1);
        if (!count.matches("[1-9][0-9]*")) {
            throw new IllegalArgumentException("'" + method + "': give a method's own seed count as method:N with N "
                    + ">= 1, e.g. dml:5");
        }
        return ExperimentRunner.Variant.of(method.substring(0, colon)).withSeeds(Integer.parseInt(count));
    }
}
