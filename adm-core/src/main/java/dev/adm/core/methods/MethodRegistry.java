package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LabelKind;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Function;

/**
 * Every method by its lower-case name: the one list the CLI, configs and logs use. The built-in methods
 * ({@link BuiltInMethods}) come first, then those of every {@link MethodProvider} on the class path, found with
 * {@link ServiceLoader}: a provider's method is trained, listed and evaluated like a built-in one.
 */
public final class MethodRegistry {

    /** A registered method: name, one-line description, parameters with defaults, and its factory. */
    public record Entry(String name, String description, List<ParamSpec> params,
                        Function<MethodParams, DistillationMethod> factory) {
        public DistillationMethod create(Map<String, String> overrides) {
            return factory.apply(new MethodParams(name, params, overrides));
        }

        /** The kinds of labels the method runs on (with its default parameters). */
        public Set<LabelKind> labelKinds() {
            return create(Map.of()).labelKinds();
        }

        /** The effective parameter values: defaults with the overrides applied (unknown keys rejected). */
        public Map<String, String> resolve(Map<String, String> overrides) {
            return new MethodParams(name, params, overrides).asMap();
        }
    }

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();
    private static final Map<String, String> PROVIDERS = new LinkedHashMap<>(); // method -> the class that gave it

    static {
        registerAll(new BuiltInMethods());
        for (MethodProvider p : ServiceLoader.load(MethodProvider.class)) {
            if (!(p instanceof BuiltInMethods)) {
                registerAll(p);
            }
        }
    }

    /**
     * ADM added to a base method (Chen et al., ICML 2025): {@code adm} on DML, {@code adm-<base>} otherwise.
     * The parameters are the base's (a name ADM also uses gets the base's prefix, e.g. {@code dkd_alpha})
     * followed by ADM's own; T is the base's temperature (none for output-kd, whose L_co has no KL).
     */
    public static Entry admOn(Entry base) {
        String name = base.name().equals(DmlMethod.NAME) ? AdmMethod.NAME : AdmMethod.NAME + "-" + base.name();
        Set<String> own = new LinkedHashSet<>();
        AdmMethod.PARAMS.forEach(p -> own.add(p.key()));
        Map<String, String> keys = new LinkedHashMap<>();
        List<ParamSpec> params = new ArrayList<>();
        for (ParamSpec p : base.params()) {
            String key = own.contains(p.key()) ? base.name() + "_" + p.key() : p.key();
            keys.put(p.key(), key);
            params.add(new ParamSpec(key, p.defaultValue(), base.name() + ": " + p.description()));
        }
        // a base without a temperature (output-kd, on diffusion) leaves ADM's L_co without a KL: T is not used
        params.addAll(AdmMethod.PARAMS);
        return new Entry(name, "ADM on " + base.name() + ": consensus learning (L_co) for students, divergence "
                + "learning (L_di) for trained teachers", List.copyOf(params),
                p -> new AdmMethod(name, base.factory().apply(p.forWrapped(base.name(), keys)),
                        AdmMethod.Config.from(p)));
    }

    private MethodRegistry() {
    }

    private static void registerAll(MethodProvider provider) {
        provider.methods().forEach(e -> register(e, provider.getClass().getName()));
    }

    /**
     * Adds a method at run time (a {@link MethodProvider} on the class path is the usual way); its name must be new.
     */
    public static void register(Entry e) {
        register(e, "MethodRegistry.register");
    }

    private static synchronized void register(Entry e, String source) {
        Preconditions.checkArgument(e.name().matches("[a-z][a-z0-9-]*"), "method name '%s' (from %s) must be "
                + "lower-case letters, digits and '-', starting with a letter", e.name(), source);
        Preconditions.checkState(!ENTRIES.containsKey(e.name()), "method '%s' from %s is already registered by %s; "
                + "give it another name", e.name(), source, PROVIDERS.get(e.name()));
        ENTRIES.put(e.name(), e);
        PROVIDERS.put(e.name(), source);
    }

    public static synchronized Collection<Entry> entries() {
        return List.copyOf(ENTRIES.values());
    }

    /** The entry for a name; an unknown name fails listing the known ones. */
    public static synchronized Entry entry(String name) {
        Entry e = ENTRIES.get(name);
        if (e == null) {
            throw new IllegalArgumentException("unknown method '" + name + "'; known methods: "
                    + String.join(", ", ENTRIES.keySet()));
        }
        return e;
    }

    /** The registered methods whose losses are defined on labels of this kind, in registry order. */
    public static List<String> namesFor(LabelKind kind) {
        return entries().stream().filter(e -> e.labelKinds().contains(kind)).map(Entry::name).toList();
    }

    public static DistillationMethod create(String name, Map<String, String> params) {
        return entry(name).create(params);
    }
}
