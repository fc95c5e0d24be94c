package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Every method by its lower-case name: the one list the CLI, configs and logs use. Adding a method is
 * one class plus one {@code register} line here.
 */
public final class MethodRegistry {

    /** A registered method: name, one-line description, parameters with defaults, and its factory. */
    public record Entry(String name, String description, List<ParamSpec> params,
                        Function<MethodParams, DistillationMethod> factory) {
        public DistillationMethod create(Map<String, String> overrides) {
            return factory.apply(new MethodParams(name, params, overrides));
        }

        /** The effective parameter values: defaults with the overrides applied (unknown keys rejected). */
        public Map<String, String> resolve(Map<String, String> overrides) {
            return new MethodParams(name, params, overrides).asMap();
        }
    }

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    static {
        register(new Entry(BaselineMethod.NAME, "cross-entropy only, every trained network on its own",
                List.of(), p -> new BaselineMethod()));
        register(new Entry(KdMethod.NAME, "Hinton KD from a frozen teacher: a*CE + b*T^2*KL(p_t||p_s)",
                KdMethod.PARAMS, KdMethod::fromParams));
        register(new Entry(DkdMethod.NAME, "decoupled KD from a frozen teacher: CE + warm-up * (alpha TCKD + beta NCKD)",
                DkdMethod.PARAMS, DkdMethod::fromParams));
        register(new Entry(AtMethod.NAME, "attention transfer from a frozen teacher on stage outputs",
                AtMethod.PARAMS, AtMethod::fromParams));
        register(new Entry(DmlMethod.NAME, "deep mutual learning: every network CE + mean T^2*KL to its peers",
                DmlMethod.PARAMS, DmlMethod::fromParams));
        register(new Entry(KdclMethod.NAME, "KDCL: every network CE + T^2 KL to the MinLogit ensemble",
                KdclMethod.PARAMS, KdclMethod::fromParams));
        register(new Entry(AdmMethod.NAME, "ADM on a DML base: consensus learning for the student, divergence "
                + "learning for the teacher (Chen et al., ICML 2025)", AdmMethod.PARAMS, AdmMethod::fromParams));
    }

    private MethodRegistry() {
    }

    private static void register(Entry e) {
        Preconditions.checkState(ENTRIES.put(e.name(), e) == null, "method '%s' registered twice", e.name());
    }

    public static Collection<Entry> entries() {
        return Collections.unmodifiableCollection(ENTRIES.values());
    }

    /** The entry for a name; an unknown name fails listing the known ones. */
    public static Entry entry(String name) {
        Entry e = ENTRIES.get(name);
        if (e == null) {
            throw new IllegalArgumentException("unknown method '" + name + "'; known methods: "
                    + String.join(", ", ENTRIES.keySet()));
        }
        return e;
    }

    public static DistillationMethod create(String name, Map<String, String> params) {
        return entry(name).create(params);
    }
}
