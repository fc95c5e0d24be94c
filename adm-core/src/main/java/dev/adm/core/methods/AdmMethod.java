package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.engine.Role;
import dev.adm.core.ops.Losses;
import dev.adm.core.ops.SimilarityMeasure;
import dev.adm.core.ops.SpatialOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * ADM, Asymmetric Decision-Making (Chen et al., ICML 2025, arXiv 2503.06685), on a DML base
 * (methods.md §1; the formulas beyond the paper's description are this project's reconstruction).
 *
 * <p>On the {@code feat} maps (last map before global pooling) of the student {@code F_s} and teacher
 * {@code F_t}: {@code S = sim(sg F_s, sg F_t)} per location; {@code w_co = HW softmax(S/tau)},
 * {@code w_di = HW softmax(-S/tau)}; each network's own head re-classifies its re-pooled features:
 * <ul>
 *   <li>student: {@code L_s = CE + lambda T^2 KL(sg p_t || p_s) + alpha L_co},
 *       {@code L_co = T^2 KL(sg p_t^T || softmax(h_s(mean_i w_co,i F_s,i)/T))};</li>
 *   <li>teacher: {@code L_t = CE + lambda T^2 KL(sg p_s || p_t) + beta L_di},
 *       {@code L_di = CE(h_t(mean_i w_di,i F_t,i), y)}.</li>
 * </ul>
 * Variant {@code mimicry}: {@code L_co = mean_{b,i} w_co,i |n(F_s,i) - sg n(F_t,i)|^2}, n = channel L2
 * normalisation. Defaults: T = 3, tau = 0.5, alpha = beta = lambda = 1, cosine similarity.
 */
public final class AdmMethod implements DistillationMethod {
    public static final String NAME = "adm";
    /** The tap both networks must expose: the last feature map before global pooling. */
    public static final String FEATURE_TAP = "feat";

    static final List<ParamSpec> PARAMS = List.of(
            ParamSpec.of("T", 3.0, "logit temperature of the KL terms"),
            ParamSpec.of("tau", 0.5, "temperature of the softmax over locations"),
            ParamSpec.of("alpha", 1.0, "weight of L_co (student)"),
            ParamSpec.of("beta", 1.0, "weight of L_di (teacher)"),
            ParamSpec.of("lambda", 1.0, "weight of the DML mutual KL"),
            ParamSpec.of("similarity", "cosine", "cosine (equal channels) or attention (any channels)"),
            ParamSpec.of("variant", "decision", "L_co form: decision (re-classified features) or mimicry"));

    /** How L_co is formed. */
    public enum Variant { DECISION, MIMICRY }

    /** Immutable, validated ADM settings (see the class comment for meanings and defaults). */
    public record Config(double temperature, double tau, double alpha, double beta, double lambda,
                         SimilarityMeasure similarity, Variant variant) {
        public Config {
            Preconditions.checkArgument(temperature > 0 && Double.isFinite(temperature),
                    "adm: T must be a positive number, got %s", temperature);
            Preconditions.checkArgument(tau > 0 && Double.isFinite(tau), "adm: tau must be > 0, got %s", tau);
            Preconditions.checkArgument(alpha >= 0 && beta >= 0 && lambda >= 0
                            && Double.isFinite(alpha + beta + lambda),
                    "adm: alpha, beta and lambda must be >= 0, got %s, %s, %s", alpha, beta, lambda);
            Preconditions.checkNotNull(similarity, "similarity");
            Preconditions.checkNotNull(variant, "variant");
        }

        public static Config defaults() {
            return new Config(3, 0.5, 1, 1, 1, SimilarityMeasure.COSINE, Variant.DECISION);
        }
    }

    private final Config config;

    public AdmMethod(Config config) {
        this.config = config;
    }

    static AdmMethod fromParams(MethodParams p) {
        String variant = p.text("variant").toLowerCase(Locale.ROOT);
        Preconditions.checkArgument(variant.equals("decision") || variant.equals("mimicry"),
                "adm: variant must be decision or mimicry, got '%s'", variant);
        return new AdmMethod(new Config(p.number("T"), p.number("tau"), p.number("alpha"), p.number("beta"),
                p.number("lambda"), SimilarityMeasure.parse(p.text("similarity")),
                Variant.valueOf(variant.toUpperCase(Locale.ROOT))));
    }

    public Config config() {
        return config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void defineLosses(LossScope scope) {
        NetworkRef teacher = scope.single(Role.TEACHER);
        NetworkRef student = scope.single(Role.STUDENT);
        DmlMethod.defineMutualLosses(scope, NAME, config.temperature(), config.lambda());
        SameDiff sd = scope.sameDiff();

        scope.checkFeedsClassifier(student, FEATURE_TAP);
        scope.checkFeedsClassifier(teacher, FEATURE_TAP);
        long[] shapeS = scope.tapShape(student, FEATURE_TAP);
        long[] shapeT = scope.tapShape(teacher, FEATURE_TAP);
        if (config.variant() == Variant.MIMICRY && shapeS[0] != shapeT[0]) {
            throw new IllegalArgumentException(String.format("adm variant=mimicry compares normalised features and "
                            + "needs equal channel counts; student feat is %s, teacher feat is %s; use variant=decision "
                            + "with similarity=attention", Arrays.toString(shapeS), Arrays.toString(shapeT)));
        }
        SpatialOps.checkComparable(shapeS, shapeT, config.similarity());
        long[] hw = SpatialOps.commonSpatialSize(shapeS, shapeT);
        long[] chwS = {shapeS[0], hw[0], hw[1]};
        long[] chwT = {shapeT[0], hw[0], hw[1]};

        SDVariable fs = SpatialOps.alignSpatial(sd, scope.tap(student, FEATURE_TAP), shapeS, hw[0], hw[1]);
        SDVariable ft = SpatialOps.alignSpatial(sd, scope.tap(teacher, FEATURE_TAP), shapeT, hw[0], hw[1]);
        SDVariable fsDetached = SpatialOps.alignSpatial(sd, scope.detachedTap(student, FEATURE_TAP), shapeS, hw[0],
                hw[1]);
        SDVariable ftDetached = SpatialOps.alignSpatial(sd, scope.detachedTap(teacher, FEATURE_TAP), shapeT, hw[0],
                hw[1]);
        SDVariable s = SpatialOps.similarity(sd, fsDetached, ftDetached, chwS, chwT, config.similarity());

        SDVariable wCo = SpatialOps.locationWeights(sd, s, hw[0], hw[1], config.tau(), +1);
        SDVariable lCo;
        if (config.variant() == Variant.DECISION) {
            SDVariable zCo = scope.classifier(student, SpatialOps.modulatedPool(sd, fs, chwS, wCo));
            lCo = Losses.distillationKl(sd, scope.detachedLogits(teacher), zCo, config.temperature());
        } else {
            SDVariable diff = channelNormalised(sd, fs).sub(channelNormalised(sd, ftDetached));
            lCo = sd.squaredNorm(diff, false, 1).mul(wCo).mean();
        }
        scope.addTerm(student, "co", lCo, config.alpha());

        SDVariable wDi = SpatialOps.locationWeights(sd, s, hw[0], hw[1], config.tau(), -1);
        SDVariable zDi = scope.classifier(teacher, SpatialOps.modulatedPool(sd, ft, chwT, wDi));
        scope.addTerm(teacher, "di", Losses.crossEntropy(sd, zDi, scope.labels()), config.beta());
    }

    /** {@code F / max(|F|_c, 1e-8)} per location. */
    private static SDVariable channelNormalised(SameDiff sd, SDVariable f) {
        SDVariable norm = sd.math().sqrt(sd.scalarMax(sd.squaredNorm(f, true, 1), SpatialOps.EPS * SpatialOps.EPS));
        return f.div(norm);
    }
}
