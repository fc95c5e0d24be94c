package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.engine.Role;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;

/**
 * A method from outside the registry, found through {@code META-INF/services}: a student learns its frozen
 * teacher's logits by squared distance, {@code CE + weight * mean (z_s - sg z_t)^2}. Every test that walks the
 * registry meets it like a built-in method.
 */
public final class LogitMseMethods implements MethodProvider {
    public static final String NAME = "logit-mse";

    @Override
    public List<MethodRegistry.Entry> methods() {
        return List.of(new MethodRegistry.Entry(NAME, "test plug-in: CE + weight * mean (z_s - sg z_t)^2 from a frozen "
                + "teacher", List.of(ParamSpec.of("weight", 0.5, "weight of the logit distance")),
                p -> new LogitMse(p.number("weight"))));
    }

    private record LogitMse(double weight) implements DistillationMethod {
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
            NetworkRef teacher = scope.single(Role.TEACHER);
            NetworkRef student = scope.single(Role.STUDENT);
            Preconditions.checkArgument(!teacher.trainable(), "%s needs a frozen teacher", scope.methodName());
            SDVariable d = scope.logits(student).sub(scope.detachedLogits(teacher));
            scope.addTerm(student, "ce", scope.crossEntropy(scope.logits(student)), 1.0);
            scope.addTerm(student, "mse", d.mul(d).mean(), weight);
        }
    }
}
