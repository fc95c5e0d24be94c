package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LabelKind;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    static {
        register(new Entry(BaselineMethod.NAME, "cross-entropy only, every trained network on its own",
                List.of(), p -> new BaselineMethod()));
        register(new Entry(KdMethod.NAME, "Hinton KD from a frozen teacher: a*CE + b*T^2*KL(p_t||p_s)",
                KdMethod.PARAMS, KdMethod::fromParams));
        register(new Entry(DkdMethod.NAME, "decoupled KD from a frozen teacher: CE + warm-up * (alpha TCKD + beta NCKD)",
                DkdMethod.PARAMS, DkdMethod::fromParams));
        register(new Entry(FitNetMethod.NAME, "FitNet hints from a frozen teacher through a 1x1 regressor",
                FitNetMethod.PARAMS, FitNetMethod::fromParams));
        register(new Entry(AtMethod.NAME, "attention transfer from a frozen teacher on stage outputs",
                AtMethod.PARAMS, AtMethod::fromParams));
        register(new Entry(CwdMethod.NAME, "channel-wise distillation of feature maps from a frozen teacher",
                CwdMethod.PARAMS, CwdMethod::fromParams));
        register(new Entry(PixelKdMethod.NAME, "pixel-wise KD from a frozen teacher over the valid pixels "
                + "(segmentation)", PixelKdMethod.PARAMS, PixelKdMethod::fromParams));
        register(new Entry(AkdMethod.NAME, "avatar KD: dropout avatars of the frozen teacher's map, a cwd or mse "
                + "base loss on the standardised student map, uncertainty-weighted", AkdMethod.PARAMS,
                AkdMethod::fromParams));
        register(new Entry(RddMethod.NAME, "relative-difficulty distillation for segmentation: TFE (teacher-"
                + "difficulty weights) then TSE (pixels hard for one network only), plus pixel KD",
                RddMethod.PARAMS, RddMethod::fromParams));
        register(new Entry(OutputKdMethod.NAME, "diffusion: denoising MSE + weight * mean (eps_s - sg eps_t)^2 "
                + "from a frozen teacher", OutputKdMethod.PARAMS, OutputKdMethod::fromParams));
        register(new Entry(DmlMethod.NAME, "deep mutual learning: every network CE + mean T^2*KL to its peers",
                DmlMethod.PARAMS, DmlMethod::fromParams));
        register(new Entry(KdclMethod.NAME, "KDCL: every network CE + T^2 KL to the MinLogit ensemble",
                KdclMethod.PARAMS, KdclMethod::fromParams));
        register(new Entry(SwitOkdMethod.NAME, "SwitOKD: the student always learns; the teacher pauses (expert "
                + "mode) when the gap G exceeds its threshold", SwitOkdMethod.PARAMS, SwitOkdMethod::fromParams));
        register(new Entry(OneMethod.NAME, "ONE: one network with gated branches of its last stage, each "
                + "learning from the branch ensemble", OneMethod.PARAMS, OneMethod::fromParams));
        register(new Entry(SokdMethod.NAME, "SOKD: frozen teacher plus a trained peer branch on its stage-2 "
                + "output; student and peer learn from each other", SokdMethod.PARAMS, SokdMethod::fromParams));
        for (String base : List.of(DmlMethod.NAME, KdclMethod.NAME, SwitOkdMethod.NAME, KdMethod.NAME,
                DkdMethod.NAME, OutputKdMethod.NAME)) {
            register(admOn(ENTRIES.get(base)));
        }
    }

    /**
     * ADM added to a base method (Chen et al., ICML 2025): {@code adm} on DML, {@code adm-<base>} otherwise.
     * The parameters are the base's (a name ADM also uses gets the base's prefix, e.g. {@code dkd_alpha})
     * followed by ADM's own; T is the base's temperature (none for output-kd, whose L_co has no KL).
     */
    private static Entry admOn(Entry base) {
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

    /** The registered methods whose losses are defined on labels of this kind, in registry order. */
    public static List<String> namesFor(LabelKind kind) {
        return ENTRIES.values().stream().filter(e -> e.labelKinds().contains(kind)).map(Entry::name).toList();
    }

    public static DistillationMethod create(String name, Map<String, String> params) {
        return entry(name).create(params);
    }
}
