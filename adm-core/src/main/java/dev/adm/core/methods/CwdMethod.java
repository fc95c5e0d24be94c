package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.engine.Taps;
import dev.adm.core.ops.Losses;
import dev.adm.core.ops.SpatialOps;

import java.util.Arrays;
import java.util.List;

/**
 * Channel-wise distillation (Shu et al., ICCV 2021, arXiv 2011.13256), offline, as docs/methods.md#cwd, on a
 * feature-map tap of a frozen teacher: {@code L = CE + weight * tau^2/(N*C) sum_{n,c}
 * KL(softmax_HW(F_t/tau) || softmax_HW(F_s/tau))}. Channel counts must match; a larger map is pooled or
 * resized to the smaller size as in ADM. Defaults: tap feat, tau 4, weight 1.
 */
public final class CwdMethod implements DistillationMethod {
    public static final String NAME = "cwd";
    static final List<ParamSpec> PARAMS = List.of(
            ParamSpec.of("tap", Taps.FEAT, "feature-map tap whose channels are distilled"),
            ParamSpec.of("tau", 4.0, "temperature of the softmax over locations"),
            ParamSpec.of("weight", 1.0, "weight of the CWD loss"));

    /** @param tap tap name; @param tau > 0; @param weight >= 0 */
    public record Config(String tap, double tau, double weight) {
        public Config {
            Preconditions.checkArgument(tap != null && !tap.isBlank(), "cwd: tap must name a feature map");
            Preconditions.checkArgument(tau > 0 && Double.isFinite(tau), "cwd: tau must be > 0, got %s", tau);
            Preconditions.checkArgument(weight >= 0 && Double.isFinite(weight), "cwd: weight must be >= 0, got %s",
                    weight);
        }
    }

    private final Config config;

    public CwdMethod(Config config) {
        this.config = config;
    }

    static CwdMethod fromParams(MethodParams p) {
        return new CwdMethod(new Config(p.text("tap").trim(), p.number("tau"), p.number("weight")));
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
        var sd = scope.sameDiff();
        long[] s = scope.tapShape(student, config.tap());
        long[] t = scope.tapShape(pair.teacher(), config.tap());
        Preconditions.checkArgument(s.length == 3 && t.length == 3 && s[0] == t[0], "cwd: tap '%s' must be feature "
                + "maps with equal channel counts; student %s, teacher %s (pick a pair of equal width or another "
                + "--param tap=...)", config.tap(), Arrays.toString(s), Arrays.toString(t));
        long[] hw = SpatialOps.commonSpatialSize(s, t);
        var fs = SpatialOps.alignSpatial(sd, scope.tap(student, config.tap()), s, hw[0], hw[1]);
        var ft = SpatialOps.alignSpatial(sd, scope.detachedTap(pair.teacher(), config.tap()), t, hw[0], hw[1]);
        scope.addTerm(student, "ce", scope.crossEntropy(scope.logits(student)), 1.0);
        scope.addTerm(student, "cwd", Losses.channelWiseKl(sd, ft, fs, new long[]{s[0], hw[0], hw[1]}, config.tau()),
                config.weight());
    }
}
