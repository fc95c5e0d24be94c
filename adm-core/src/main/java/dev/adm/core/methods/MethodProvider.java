package dev.adm.core.methods;

import java.util.List;

/**
 * A source of distillation methods from outside adm: a class with a no-argument constructor, named in a file
 * {@code META-INF/services/dev.adm.core.methods.MethodProvider} of its jar. {@link MethodRegistry} finds every
 * provider on the class path with {@link java.util.ServiceLoader}, so its methods appear in {@code ./adm methods},
 * {@code MethodRegistry.create}, training, experiments and {@code adm loss} like the built-in ones.
 *
 * <pre>{@code
 * public final class MyMethods implements MethodProvider {
 *     public List<MethodRegistry.Entry> methods() {
 *         return List.of(new MethodRegistry.Entry("logit-mse", "CE + weight * mean (z_s - sg z_t)^2",
 *                 List.of(ParamSpec.of("weight", 1.0, "weight of the logit distance")),
 *                 p -> new LogitMse(p.number("weight"))));
 *     }
 * }
 * }</pre>
 */
public interface MethodProvider {
    /** The methods this provider adds, in the order they are listed; every name must be new. */
    List<MethodRegistry.Entry> methods();
}
