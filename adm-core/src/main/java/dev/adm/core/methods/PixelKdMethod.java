package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LabelKind;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.ops.Losses;

import java.util.List;
import java.util.EnumSet;
import java.util.Set;

/**
 * Pixel-wise KD for dense prediction, offline, as docs/methods.md#pixel-kd: {@code L = CE + weight * T^2 (1/N_valid)
 * sum_i KL(p_t,i^T || p_s,i^T)} over the valid (labelled) pixels, the cross-entropy also over valid pixels.
 * Defaults T = 1, weight = 1.
 */
public final class PixelKdMethod implements DistillationMethod {
    public static final String NAME = "pixel-kd";
    static final List<ParamSpec> PARAMS = List.of(
            ParamSpec.of("T", 1.0, "softmax temperature"),
            ParamSpec.of("weight", 1.0, "weight of the pixel KL"));

    /** @param temperature T > 0; @param weight >= 0 */
    public record Config(double temperature, double weight) {
        public Config {
            Preconditions.checkArgument(temperature > 0 && Double.isFinite(temperature),
                    "pixel-kd: T must be a positive number, got %s", temperature);
            Preconditions.checkArgument(weight >= 0 && Double.isFinite(weight), "pixel-kd: weight must be >= 0, got %s",
                    weight);
        }
    }

    private final Config config;

    public PixelKdMethod(Config config) {
        this.config = config;
    }

    static PixelKdMethod fromParams(MethodParams p) {
        return new PixelKdMethod(new Config(p.number("T"), p.number("weight")));
    }

    @Override
    public Set<LabelKind> labelKinds() {
        return EnumSet.of(LabelKind.PIXEL);
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
        scope.addTerm(student, "ce", scope.crossEntropy(scope.logits(student)), 1.0);
        scope.addTerm(student, "pkd", Losses.pixelKl(scope.sameDiff(), scope.detachedLogits(pair.teacher()),
                scope.logits(student), scope.labels(), config.temperature()), config.weight());
    }
}
