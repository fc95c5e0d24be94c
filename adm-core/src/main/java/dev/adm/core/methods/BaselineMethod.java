package dev.adm.core.methods;

import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LabelKind;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import java.util.EnumSet;
import java.util.Set;

/**
 * {@code L = CE(z, y)} for every trained network (per valid pixel for dense labels), or for regression targets
 * (diffusion) the mean squared error of its output to them (DDPM's denoising loss); frozen networks are ignored.
 */
public final class BaselineMethod implements DistillationMethod {
    public static final String NAME = "baseline";

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
        for (NetworkRef n : scope.networks()) {
            if (n.trainable()) {
                scope.addTerm(n, scope.regressionTargets() ? "mse" : "ce", scope.taskLoss(scope.logits(n)), 1.0);
            }
        }
    }
}
