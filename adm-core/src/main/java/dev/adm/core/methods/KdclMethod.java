package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.List;

/**
 * KDCL with the MinLogit ensemble (Guo et al., CVPR 2020, arXiv 2003.13438), online, as docs/methods.md#kdcl:
 * the ensemble logit {@code z_e,c = min_m (z_m,c - z_m,y)} over the (detached) networks; every network
 * {@code L_m = CE(z_m, y) + lambda T^2 KL(sg p_e^T || p_m^T)}. Default T = 3, lambda = 1.
 */
public final class KdclMethod implements DistillationMethod {
    public static final String NAME = "kdcl";
    static final List<ParamSpec> PARAMS = List.of(
            ParamSpec.of("T", 3.0, "softmax temperature"),
            ParamSpec.of("lambda", 1.0, "weight of the KL to the ensemble"));

    /** @param temperature T > 0; @param lambda KL weight >= 0 */
    public record Config(double temperature, double lambda) {
        public Config {
            Preconditions.checkArgument(temperature > 0 && Double.isFinite(temperature),
                    "kdcl: T must be a positive number, got %s", temperature);
            Preconditions.checkArgument(lambda >= 0 && Double.isFinite(lambda), "kdcl: lambda must be >= 0, got %s",
                    lambda);
        }
    }

    private final Config config;

    public KdclMethod(Config config) {
        this.config = config;
    }

    static KdclMethod fromParams(MethodParams p) {
        return new KdclMethod(new Config(p.number("T"), p.number("lambda")));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void defineLosses(LossScope scope) {
        List<NetworkRef> nets = scope.networks();
        Preconditions.checkArgument(nets.size() >= 2, "%s needs at least two networks, got %s (on the command "
                + "line add --teacher MODEL)", scope.methodName(), nets.size());
        SameDiff sd = scope.sameDiff();
        SDVariable y = scope.labels();
        SDVariable ensemble = null;
        for (NetworkRef n : nets) {
            Preconditions.checkArgument(n.trainable(), "%s is online: every network trains, but '%s' is frozen",
                    scope.methodName(), n.name());
            SDVariable z = scope.detachedLogits(n);
            SDVariable relative = z.sub(z.mul(y).sum(true, 1)); // z_c - z_y
            ensemble = ensemble == null ? relative : sd.math().min(ensemble, relative);
        }
        for (NetworkRef n : nets) {
            scope.addTerm(n, "ce", scope.crossEntropy(scope.logits(n)), 1.0);
            scope.addTerm(n, "kl", scope.distillationKl(ensemble, scope.logits(n), config.temperature()),
                    config.lambda());
        }
    }
}
