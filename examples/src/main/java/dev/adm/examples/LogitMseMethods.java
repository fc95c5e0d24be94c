package dev.adm.examples;

import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.engine.Role;
import dev.adm.core.methods.MethodProvider;
import dev.adm.core.methods.MethodRegistry;
import dev.adm.core.methods.ParamSpec;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;

/**
 * A method of this project's own, plugged into adm: named in
 * {@code META-INF/services/dev.adm.core.methods.MethodProvider}, it is found on the class path and runs wherever a
 * built-in method does ({@code Distiller.builder("logit-mse")}, {@code MethodRegistry.create}, the CLI).
 */
public final class LogitMseMethods implements MethodProvider {
    public static final String NAME = "logit-mse";

    @Override
    public List<MethodRegistry.Entry> methods() {
        return List.of(new MethodRegistry.Entry(NAME, "CE + weight * mean (z_s - sg z_t)^2 from a frozen teacher",
                List.of(ParamSpec.of("weight", 0.1, "weight of the logit distance")),
                params -> new LogitMse(params.number("weight"))));
    }

    /** Cross-entropy plus the mean squared distance of the student's logits to the frozen teacher's. */
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
            SDVariable distance = scope.logits(student).sub(scope.detachedLogits(teacher));
            scope.addTerm(student, "ce", scope.crossEntropy(scope.logits(student)), 1.0);
            scope.addTerm(student, "mse", distance.mul(distance).mean(), weight);
        }
    }
}
