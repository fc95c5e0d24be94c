package dev.adm.models.run;

import com.google.common.base.Preconditions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The ablations an experiment can add, by name: each a list of labelled variants of one method. */
public final class Ablations {
    private static final Map<String, Supplier<List<ExperimentRunner.Variant>>> ALL = Map.of("adm", Ablations::adm,
            "adm-sweep", Ablations::admSweep);
    /** A temperature this large makes both softmaxes over locations uniform (|S| <= 1): w_co = w_di = 1. */
    private static final String UNIFORM_TAU = "1e6";

    private Ablations() {
    }

    /** The variants of an ablation; an unknown name fails listing the known ones. */
    public static List<ExperimentRunner.Variant> get(String name) {
        Supplier<List<ExperimentRunner.Variant>> a = ALL.get(name);
        Preconditions.checkArgument(a != null, "unknown ablation '%s'; available: %s", name, ALL.keySet());
        return a.get();
    }

    /** ADM: both terms ({@code adm}), L_co only, L_di only, and a tau sweep around the default 0.5. */
    private static List<ExperimentRunner.Variant> adm() {
        List<ExperimentRunner.Variant> v = new ArrayList<>();
        v.add(ExperimentRunner.Variant.of("adm"));
        v.add(new ExperimentRunner.Variant("adm-co-only", "adm", Map.of("beta", "0")));
        v.add(new ExperimentRunner.Variant("adm-di-only", "adm", Map.of("alpha", "0")));
        for (String tau : List.of("0.1", "0.25", "1", "2")) {
            v.add(new ExperimentRunner.Variant("adm-tau=" + tau, "adm", Map.of("tau", tau)));
        }
        return v;
    }

    /**
     * ADM's terms and its sensitivity to its hyperparameters: L_co only, L_di only, tau 0.25, 1 and 2 around the
     * default 0.5, both term weights (alpha = beta) at 0.5 and 2 around the default 1, and the two choices of this
     * project's reconstruction: the attention similarity instead of the cosine (which compares channels that
     * nothing aligns between two networks) and the mimicry form of L_co; ADM with uniform location weights (its
     * decision of where each network learns removed, all else kept); then DML and KD with the weight ADM adds,
     * against which ADM's plain rows are also paired, and ADM on DKD with uniform weights (DKD with that weight).
     */
    private static List<ExperimentRunner.Variant> admSweep() {
        List<ExperimentRunner.Variant> v = new ArrayList<>();
        v.add(ExperimentRunner.Variant.of("adm"));
        v.add(new ExperimentRunner.Variant("adm-co-only", "adm", Map.of("beta", "0")));
        v.add(new ExperimentRunner.Variant("adm-di-only", "adm", Map.of("alpha", "0")));
        for (String tau : List.of("0.25", "1", "2")) {
            v.add(new ExperimentRunner.Variant("adm-tau=" + tau, "adm", Map.of("tau", tau)));
        }
        for (String w : List.of("0.5", "2")) {
            v.add(new ExperimentRunner.Variant("adm-weights=" + w, "adm", Map.of("alpha", w, "beta", w)));
        }
        v.add(new ExperimentRunner.Variant("adm-similarity=attention", "adm", Map.of("similarity", "attention")));
        v.add(new ExperimentRunner.Variant("adm-variant=mimicry", "adm", Map.of("variant", "mimicry")));
        v.add(new ExperimentRunner.Variant("adm-uniform", "adm", Map.of("tau", UNIFORM_TAU)));
        // controls: the bases with the distillation weight ADM's L_co adds when its weights carry no information
        // (w = 1 makes the decision form of L_co the base's own KL term once more: lambda 1 + alpha 1, b 0.9 + 1)
        v.add(new ExperimentRunner.Variant("dml-lambda=2", "dml", Map.of("lambda", "2")));
        v.add(new ExperimentRunner.Variant("kd-b=1.9", "kd", Map.of("b", "1.9")));
        // DKD has no parameter for KD's term, so its control is adm-dkd with uniform weights: DKD + alpha * KD's term
        v.add(new ExperimentRunner.Variant("adm-dkd-uniform", "adm-dkd", Map.of("tau", UNIFORM_TAU)));
        return v;
    }
}
