package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LabelKind;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;
import java.util.EnumSet;
import java.util.Set;

/**
 * Output distillation of a diffusion model from a frozen teacher, the plain baseline of ADM's diffusion form
 * (docs/methods.md#output-kd): the student's denoising loss {@code mean (eps_s - eps)^2} plus {@code weight * mean
 * (eps_s - sg eps_t)^2}, both networks seeing the same {@code (x_t, t)}. Needs regression targets (the noise).
 */
public final class OutputKdMethod implements DistillationMethod {
    public static final String NAME = "output-kd";
    static final List<ParamSpec> PARAMS = List.of(ParamSpec.of("weight", 1.0, "weight of the output distance"));

    private final double weight;

    public OutputKdMethod(double weight) {
        Preconditions.checkArgument(weight >= 0 && Double.isFinite(weight), "output-kd: weight must be >= 0, got %s",
                weight);
        this.weight = weight;
    }

    static OutputKdMethod fromParams(MethodParams p) {
        return new OutputKdMethod(p.number("weight"));
    }

    /** {@code mean (output - target)^2}; pass a detached {@code target}. */
    static SDVariable outputDistance(SDVariable target, SDVariable output) {
        SDVariable d = output.sub(target);
        return d.mul(d).mean();
    }

    @Override
    public Set<LabelKind> labelKinds() {
        return EnumSet.of(LabelKind.TARGET);
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
        scope.addTerm(student, "mse", scope.taskLoss(scope.logits(student)), 1.0);
        scope.addTerm(student, "out", outputDistance(scope.detachedLogits(pair.teacher()), scope.logits(student)),
                weight);
    }
}
