package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LabelKind;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;

import java.util.List;
import java.util.EnumSet;
import java.util.Set;

/**
 * Deep mutual learning (Zhang et al., CVPR 2018, arXiv 1706.00384). For each of K trained networks:
 * {@code L_k = CE(z_k, y) + lambda/(K-1) * sum_{l != k} T^2 * KL(sg p_l^T || p_k^T)}.
 * Default T = 3, the same as ADM's, so that {@code adm} differs from {@code dml} only by its own terms. On
 * regression targets (diffusion) the task loss is the denoising MSE and the mutual term the output distance
 * {@code mean (eps_k - sg eps_l)^2} (term {@code out}).
 */
public final class DmlMethod implements DistillationMethod {
    public static final String NAME = "dml";
    static final List<ParamSpec> PARAMS = List.of(
            ParamSpec.of("T", 3.0, "softmax temperature of the mutual KL"),
            ParamSpec.of("lambda", 1.0, "weight of the mutual KL"));

    /** @param temperature T > 0; @param lambda weight of the mutual KL, >= 0 */
    public record Config(double temperature, double lambda) {
        public Config {
            Preconditions.checkArgument(temperature > 0 && Double.isFinite(temperature),
                    "dml: T must be a positive number, got %s", temperature);
            Preconditions.checkArgument(lambda >= 0 && Double.isFinite(lambda), "dml: lambda must be >= 0, got %s",
                    lambda);
        }
    }

    private final Config config;

    public DmlMethod(Config config) {
        this.config = config;
    }

    static DmlMethod fromParams(MethodParams p) {
        return new DmlMethod(new Config(p.number("T"), p.number("lambda")));
    }

    @Override
    public Set<LabelKind> labelKinds() {
        return EnumSet.allOf(LabelKind.class);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void defineLosses(LossScope scope) {
        defineMutualLosses(scope, config.temperature(), config.lambda());
    }

    /** The DML terms ({@code ce} and {@code kl} per network); shared with methods built on a DML base. */
    static void defineMutualLosses(LossScope scope, double temperature, double lambda) {
        String method = scope.methodName();
        List<NetworkRef> nets = scope.networks();
        Preconditions.checkArgument(nets.size() >= 2, "%s needs at least two networks, got %s (on the command "
                + "line add --teacher MODEL)", method, nets.size());
        for (NetworkRef n : nets) {
            Preconditions.checkArgument(n.trainable(), "%s is online: every network trains, but '%s' is frozen; "
                    + "train it jointly (--teacher MODEL) or distil from a frozen teacher with kd", method, n.name());
        }
        boolean regression = scope.regressionTargets();
        for (NetworkRef k : nets) {
            scope.addTerm(k, regression ? "mse" : "ce", scope.taskLoss(scope.logits(k)), 1.0);
            var mutual = nets.stream().filter(l -> !l.equals(k))
                    .map(l -> regression ? OutputKdMethod.outputDistance(scope.detachedLogits(l), scope.logits(k))
                            : scope.distillationKl(scope.detachedLogits(l), scope.logits(k), temperature))
                    .reduce((a, b) -> a.add(b)).orElseThrow();
            scope.addTerm(k, regression ? "out" : "kl", mutual, lambda / (nets.size() - 1));
        }
    }
}
