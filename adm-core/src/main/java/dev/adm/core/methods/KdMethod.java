package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;

import java.util.List;

/**
 * Knowledge distillation (Hinton et al., 2015, arXiv 1503.02531), offline:
 * {@code L_s = a * CE(z_s, y) + b * T^2 * KL(p_t^T || p_s^T)} with a frozen teacher.
 * Defaults (CIFAR, mdistiller): T = 4, a = 0.1, b = 0.9.
 */
public final class KdMethod implements DistillationMethod {
    public static final String NAME = "kd";
    static final List<ParamSpec> PARAMS = List.of(
            ParamSpec.of("T", 4.0, "softmax temperature"),
            ParamSpec.of("a", 0.1, "weight of the cross-entropy"),
            ParamSpec.of("b", 0.9, "weight of the KL term"));

    /** @param temperature T > 0; @param ceWeight a >= 0; @param klWeight b >= 0 */
    public record Config(double temperature, double ceWeight, double klWeight) {
        public Config {
            Preconditions.checkArgument(temperature > 0 && Double.isFinite(temperature),
                    "kd: T must be a positive number, got %s", temperature);
            Preconditions.checkArgument(ceWeight >= 0 && klWeight >= 0 && Double.isFinite(ceWeight + klWeight),
                    "kd: a and b must be >= 0, got %s and %s",
                    ceWeight, klWeight);
        }
    }

    private final Config config;

    public KdMethod(Config config) {
        this.config = config;
    }

    static KdMethod fromParams(MethodParams p) {
        return new KdMethod(new Config(p.number("T"), p.number("a"), p.number("b")));
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
        scope.addTerm(student, "ce", scope.crossEntropy(scope.logits(student)), config.ceWeight());
        scope.addTerm(student, "kd", scope.distillationKl(scope.detachedLogits(teacher), scope.logits(student),
                config.temperature()), config.klWeight());
    }
}
