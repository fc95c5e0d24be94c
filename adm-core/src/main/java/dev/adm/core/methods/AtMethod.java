package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.Arrays;
import java.util.List;

/**
 * Attention transfer (Zagoruyko and Komodakis, ICLR 2017, arXiv 1612.03928), offline, as docs/methods.md#at:
 * per sample {@code a = normalise_L2 over positions (mean_c F^2)};
 * {@code L = CE + beta * sum_layers mean_{b,i} (a_s,b,i - a_t,b,i)^2}, beta = 1000, on the stage outputs
 * ({@code layers}, comma-separated tap names; spatial sizes must match between the networks).
 */
public final class AtMethod implements DistillationMethod {
    public static final String NAME = "at";
    static final List<ParamSpec> PARAMS = List.of(
            ParamSpec.of("beta", 1000.0, "weight of the attention loss"),
            ParamSpec.of("layers", "stage1;stage2;stage3", "taps compared, separated by ';'"));

    /** @param beta weight >= 0; @param layers tap names compared */
    public record Config(double beta, List<String> layers) {
        public Config {
            Preconditions.checkArgument(beta >= 0 && Double.isFinite(beta), "at: beta must be >= 0, got %s", beta);
            Preconditions.checkArgument(!layers.isEmpty(), "at: name at least one layer");
            layers = List.copyOf(layers);
        }
    }

    private final Config config;

    public AtMethod(Config config) {
        this.config = config;
    }

    static AtMethod fromParams(MethodParams p) {
        return new AtMethod(new Config(p.number("beta"), Arrays.stream(p.text("layers").split(";"))
                .map(String::trim).filter(s -> !s.isEmpty()).toList()));
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
        NetworkRef teacher = pair.teacher();
        NetworkRef student = pair.student();
        SameDiff sd = scope.sameDiff();
        scope.addTerm(student, "ce", scope.crossEntropy(scope.logits(student)), 1.0);
        SDVariable total = null;
        for (String layer : config.layers()) {
            long[] s = scope.tapShape(student, layer);
            long[] t = scope.tapShape(teacher, layer);
            Preconditions.checkArgument(s.length == 3 && t.length == 3 && s[1] == t[1] && s[2] == t[2],
                    "at: tap '%s' has spatial size %s in the student and %s in the teacher; pick layers of equal size "
                            + "(--param layers=...)", layer, Arrays.toString(s), Arrays.toString(t));
            SDVariable diff = attention(sd, scope.tap(student, layer), s).sub(
                    attention(sd, scope.detachedTap(teacher, layer), t));
            SDVariable term = diff.mul(diff).mean();
            total = total == null ? term : total.add(term);
        }
        scope.addTerm(student, "at", total, config.beta());
    }

    /** {@code mean_c F^2} per position, flattened and L2-normalised per sample: {@code [B, HW]}. */
    static SDVariable attention(SameDiff sd, SDVariable f, long[] chw) {
        SDVariable a = sd.reshape(sd.squaredNorm(f, false, 1).div((double) chw[0]), -1, chw[1] * chw[2]);
        SDVariable norm = sd.math().sqrt(sd.scalarMax(sd.squaredNorm(a, true, 1), 1e-24));
        return a.div(norm);
    }
}
