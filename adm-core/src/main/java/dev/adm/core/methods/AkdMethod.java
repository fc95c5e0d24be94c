package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.ops.Losses;
import dev.adm.core.ops.SpatialOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * AKD, avatar knowledge distillation (Zhang et al., ACM MM 2023), offline, wrapping a dense base loss
 * (docs/methods.md#akd; the uncertainty factor is this project's reconstruction).
 *
 * <p>Each step draws {@code avatars} avatars of the frozen teacher's map, {@code A_k = dropout_p(F_t)} (inverted
 * dropout, a fresh mask every step). The student's map is standardised per channel with batch statistics and no
 * affine, {@code U(F_s)}, and the base loss ({@code cwd}: channel-wise KL with {@code tau}; {@code mse}) compares it
 * with each avatar. Avatars are weighted by {@code u_k = softmax_k(-v_k / mean_j v_j)} with
 * {@code v_k = Var_{c,h,w}(A_k - F_t)} averaged over the batch, so an avatar that strays further from the teacher
 * counts less: {@code L = CE + weight * sum_k u_k L_base(U(F_s), A_k)}. Default tap {@code logits} (per-pixel
 * logits, whose channel counts always match); any tap of equal channels works.
 */
public final class AkdMethod implements DistillationMethod {
    public static final String NAME = "akd";
    static final List<ParamSpec> PARAMS = List.of(
            ParamSpec.of("base", "cwd", "base loss on (standardised student map, avatar): cwd or mse"),
            ParamSpec.of("tap", "logits", "map the avatars are made of (teacher) and compared with (student)"),
            ParamSpec.of("p", 0.1, "avatar drop rate"),
            ParamSpec.of("avatars", 1.0, "avatars per step (integer >= 1)"),
            ParamSpec.of("tau", 4.0, "temperature of the cwd base"),
            ParamSpec.of("weight", 1.0, "weight of the avatar loss"));
    private static final double STANDARDISE_EPS = 1e-5;

    /** The base loss. */
    public enum Base { CWD, MSE }

    /** Validated settings; see the class comment. */
    public record Config(Base base, String tap, double dropRate, int avatars, double tau, double weight) {
        public Config {
            Preconditions.checkNotNull(base, "base");
            Preconditions.checkArgument(tap != null && !tap.isBlank(), "akd: tap must name a feature map");
            Preconditions.checkArgument(dropRate >= 0 && dropRate < 1, "akd: p must be in [0, 1), got %s", dropRate);
            Preconditions.checkArgument(avatars >= 1 && avatars <= 64, "akd: avatars must be 1..64, got %s", avatars);
            Preconditions.checkArgument(tau > 0 && Double.isFinite(tau), "akd: tau must be > 0, got %s", tau);
            Preconditions.checkArgument(weight >= 0 && Double.isFinite(weight), "akd: weight must be >= 0, got %s",
                    weight);
        }
    }

    private final Config config;

    public AkdMethod(Config config) {
        this.config = config;
    }

    static AkdMethod fromParams(MethodParams p) {
        String base = p.text("base").trim().toLowerCase(Locale.ROOT);
        Preconditions.checkArgument(base.equals("cwd") || base.equals("mse"), "akd: base must be cwd or mse, got "
                + "'%s'", base);
        double avatars = p.number("avatars");
        Preconditions.checkArgument(avatars == Math.rint(avatars), "akd: avatars must be an integer, got %s", avatars);
        return new AkdMethod(new Config(Base.valueOf(base.toUpperCase(Locale.ROOT)), p.text("tap").trim(),
                p.number("p"), (int) avatars, p.number("tau"), p.number("weight")));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean freezesTeacher() {
        return true;
    }

    @Override
    public void defineLosses(LossScope scope) {
        OfflinePair pair = OfflinePair.of(scope);
        NetworkRef student = pair.student();
        NetworkRef teacher = pair.teacher();
        SameDiff sd = scope.sameDiff();
        String tap = config.tap();
        long[] s = scope.tapShape(student, tap);
        long[] t = scope.tapShape(teacher, tap);
        Preconditions.checkArgument(s.length == 3 && t.length == 3, "akd compares feature maps, but tap '%s' is %s "
                + "(student) and %s (teacher) here; on classification give a map: --param tap=feat", tap,
                Arrays.toString(s), Arrays.toString(t));
        Preconditions.checkArgument(s[0] == t[0], "akd: tap '%s' must have equal channel counts; student %s, teacher "
                + "%s (use --param tap=logits on segmentation, or a pair of equal width)", tap, Arrays.toString(s),
                Arrays.toString(t));
        long[] hw = SpatialOps.commonSpatialSize(s, t);
        long[] chw = {s[0], hw[0], hw[1]};
        SDVariable standardised = standardise(sd, SpatialOps.alignSpatial(sd, scope.tap(student, tap), s, hw[0],
                hw[1]));
        SDVariable ft = SpatialOps.alignSpatial(sd, scope.detachedTap(teacher, tap), t, hw[0], hw[1]);

        double p = config.dropRate();
        SDVariable[] losses = new SDVariable[config.avatars()];
        SDVariable[] spread = new SDVariable[config.avatars()];
        for (int k = 0; k < config.avatars(); k++) {
            SDVariable avatar = scope.precomputed("akd_avatar_" + k, chw,
                    List.of(new LossScope.TapRef(teacher, tap)),
                    in -> dropout(SpatialOps.alignSpatial(in.get(0), hw[0], hw[1]), p));
            losses[k] = config.base() == Base.CWD ? Losses.channelWiseKl(sd, avatar, standardised, chw, config.tau())
                    : standardised.sub(avatar).mul(standardised.sub(avatar)).mean();
            SDVariable deviation = sd.reshape(avatar.sub(ft), -1, chw[0] * chw[1] * chw[2]);
            spread[k] = sd.variance(deviation, false, 1).mean();
        }
        SDVariable meanSpread = sum(spread).div((double) spread.length);
        SDVariable[] e = new SDVariable[spread.length];
        for (int k = 0; k < spread.length; k++) {
            e[k] = sd.math().exp(spread[k].div(sd.scalarMax(meanSpread, 1e-12)).neg());
        }
        SDVariable norm = sum(e);
        SDVariable total = null;
        for (int k = 0; k < losses.length; k++) {
            SDVariable term = losses[k].mul(e[k].div(norm));
            total = total == null ? term : total.add(term);
        }
        scope.addTerm(student, "ce", scope.crossEntropy(scope.logits(student)), 1.0);
        scope.addTerm(student, "akd", total, config.weight());
    }

    /** Per-channel standardisation with the batch's statistics over (B, H, W), no affine. */
    private static SDVariable standardise(SameDiff sd, SDVariable f) {
        SDVariable centred = f.sub(f.mean(true, 0, 2, 3));
        SDVariable variance = centred.mul(centred).mean(true, 0, 2, 3);
        return centred.div(sd.math().sqrt(variance.add(STANDARDISE_EPS)));
    }

    /** Inverted dropout with ND4J's (seeded) random generator: each element kept with 1-p and scaled by 1/(1-p). */
    static INDArray dropout(INDArray x, double p) {
        if (p == 0) {
            return x.dup();
        }
        INDArray keep = Nd4j.rand(x.dataType(), x.shape()).gt(p).castTo(x.dataType());
        return x.mul(keep).divi(1 - p);
    }

    private static SDVariable sum(SDVariable[] xs) {
        SDVariable out = xs[0];
        for (int i = 1; i < xs.length; i++) {
            out = out.add(xs[i]);
        }
        return out;
    }
}
