package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LabelKind;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.ops.Losses;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.List;
import java.util.Map;
import java.util.EnumSet;
import java.util.Set;

/**
 * Decoupled KD (Zhao et al., CVPR 2022, arXiv 2203.08679), offline, as docs/methods.md#dkd and mdistiller:
 * with {@code p = softmax(z/T)}, the binary target/non-target distributions {@code b = [p_y, 1 - p_y]} give
 * {@code TCKD = T^2 KL(b_t || b_s)}; the non-target distributions {@code p^ = softmax(z/T - 1000 y)} give
 * {@code NCKD = T^2 KL(p^_t || p^_s)} (both batchmean);
 * {@code L = CE + w(epoch) (alpha TCKD + beta NCKD)}, {@code w = min(e / warmup, 1)} with e the 1-based
 * epoch number (mdistiller counts epochs from 1). Defaults alpha 1, beta 8, T 4, warmup 20.
 */
public final class DkdMethod implements DistillationMethod {
    public static final String NAME = "dkd";
    static final List<ParamSpec> PARAMS = List.of(
            ParamSpec.of("T", 4.0, "softmax temperature"),
            ParamSpec.of("alpha", 1.0, "weight of TCKD"),
            ParamSpec.of("beta", 8.0, "weight of NCKD"),
            ParamSpec.of("warmup", 20, "epochs over which the KD weight ramps up linearly"));

    /** @param temperature T; @param alpha TCKD weight; @param beta NCKD weight; @param warmup ramp epochs >= 1 */
    public record Config(double temperature, double alpha, double beta, double warmup) {
        public Config {
            Preconditions.checkArgument(temperature > 0 && Double.isFinite(temperature),
                    "dkd: T must be a positive number, got %s", temperature);
            Preconditions.checkArgument(alpha >= 0 && beta >= 0 && Double.isFinite(alpha + beta),
                    "dkd: alpha and beta must be >= 0, got %s and %s", alpha, beta);
            Preconditions.checkArgument(warmup >= 1, "dkd: warmup must be >= 1 epoch, got %s", warmup);
        }
    }

    private final Config config;

    public DkdMethod(Config config) {
        this.config = config;
    }

    static DkdMethod fromParams(MethodParams p) {
        return new DkdMethod(new Config(p.number("T"), p.number("alpha"), p.number("beta"), p.number("warmup")));
    }

    @Override
    public Set<LabelKind> labelKinds() {
        return EnumSet.of(LabelKind.CLASS);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean freezesTeacher() {
        return true;
    }

    /** The warm-up factor of epoch {@code epoch} (0-based as the engine counts). */
    public double warmupFactor(int epoch) {
        return Math.min((epoch + 1) / config.warmup(), 1.0);
    }

    @Override
    public Map<String, Double> stepScalars(int epoch, long iteration) {
        return Map.of("warmup_factor", warmupFactor(epoch));
    }

    @Override
    public void defineLosses(LossScope scope) {
        OfflinePair pair = OfflinePair.of(scope);
        NetworkRef teacher = pair.teacher();
        NetworkRef student = pair.student();
        SameDiff sd = scope.sameDiff();
        SDVariable y = scope.labels();
        SDVariable zs = scope.logits(student);
        SDVariable zt = scope.detachedLogits(teacher);
        SDVariable w = scope.scalar("warmup_factor");
        scope.addTerm(student, "ce", Losses.crossEntropy(sd, zs, y), 1.0);
        scope.addTerm(student, "tckd", tckd(sd, zs, zt, y, config.temperature()).mul(w), config.alpha());
        scope.addTerm(student, "nckd", nckd(sd, zs, zt, y, config.temperature()).mul(w), config.beta());
    }

    /** {@code T^2 KL(b_t || b_s)}, {@code b = [p_y, 1 - p_y]}, batchmean (two bins written out). */
    static SDVariable tckd(SameDiff sd, SDVariable zs, SDVariable zt, SDVariable y, double t) {
        SDVariable ps = Losses.softmax(sd, zs.div(t), 1);
        SDVariable pt = Losses.softmax(sd, zt.div(t), 1);
        SDVariable s1 = ps.mul(y).sum(1);
        SDVariable t1 = pt.mul(y).sum(1);
        SDVariable s2 = s1.rsub(1.0);
        SDVariable t2 = t1.rsub(1.0);
        SDVariable kl = t1.mul(sd.math().log(t1).sub(sd.math().log(s1)))
                .add(t2.mul(sd.math().log(t2).sub(sd.math().log(s2))));
        return kl.mean().mul(t * t);
    }

    /** {@code T^2 KL(p^_t || p^_s)} over the non-target classes (target logit pushed down by 1000), batchmean. */
    static SDVariable nckd(SameDiff sd, SDVariable zs, SDVariable zt, SDVariable y, double t) {
        SDVariable mask = y.mul(1000.0);
        return Losses.distillationKl(sd, zt.div(t).sub(mask).mul(t), zs.div(t).sub(mask).mul(t), t);
    }
}
