package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LabelKind;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.engine.Role;
import dev.adm.core.ops.Losses;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.List;
import java.util.OptionalDouble;
import java.util.EnumSet;
import java.util.Set;

/**
 * SwitOKD (Qian et al., ECCV 2022, arXiv 2207.07359), as docs/methods.md#switokd. From the step's probabilities
 * ({@code p = softmax(z/T)}, batch means of L1 distances): the gap {@code G = |p_s - p_t|_1}, the errors
 * {@code e_t = |p_t - y|_1} and {@code e_s = |p_s - y|_1}, and the threshold
 * {@code delta = e_s - exp(-e_t / (e_t + e_s)) e_t}. If {@code G > delta} and {@code e_t < e_s} the step is in
 * <em>expert mode</em>: only the student updates; otherwise <em>learning mode</em>: both update.
 * Student: {@code CE + T^2 KL(sg p_t || p_s)}; teacher: {@code CE + T^2 KL(sg p_s || p_t)}. The teacher's
 * update gate is reported per step ({@code StepResult.updated}: false = expert mode). T = 1; the paper's
 * separate learning rates (teacher 0.1, student 0.01) are the method's prescription for the two roles.
 */
public final class SwitOkdMethod implements DistillationMethod {
    public static final String NAME = "switokd";
    static final List<ParamSpec> PARAMS = List.of(
            ParamSpec.of("T", 1.0, "softmax temperature of the KL terms and of the switching statistics"),
            ParamSpec.of("lr_teacher", 0.1, "initial learning rate of the teacher"),
            ParamSpec.of("lr_student", 0.01, "initial learning rate of the student"));

    /** @param temperature T > 0; @param teacherRate, studentRate initial learning rates > 0 */
    public record Config(double temperature, double teacherRate, double studentRate) {
        public Config {
            Preconditions.checkArgument(temperature > 0 && Double.isFinite(temperature),
                    "switokd: T must be a positive number, got %s", temperature);
            Preconditions.checkArgument(teacherRate > 0 && studentRate > 0 && Double.isFinite(teacherRate + studentRate),
                    "switokd: lr_teacher and lr_student must be > 0, got %s and %s", teacherRate, studentRate);
        }
    }

    private final Config config;

    public SwitOkdMethod(Config config) {
        this.config = config;
    }

    static SwitOkdMethod fromParams(MethodParams p) {
        return new SwitOkdMethod(new Config(p.number("T"), p.number("lr_teacher"), p.number("lr_student")));
    }

    @Override
    public Set<LabelKind> labelKinds() {
        return EnumSet.of(LabelKind.CLASS);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public OptionalDouble learningRate(Role role) {
        return switch (role) {
            case TEACHER -> OptionalDouble.of(config.teacherRate());
            case STUDENT -> OptionalDouble.of(config.studentRate());
            default -> OptionalDouble.empty();
        };
    }

    @Override
    public void defineLosses(LossScope scope) {
        NetworkRef teacher = scope.single(Role.TEACHER);
        NetworkRef student = scope.single(Role.STUDENT);
        Preconditions.checkArgument(teacher.trainable() && student.trainable(), "%s is online: the teacher and "
                + "the student both train (on the command line: --teacher MODEL, not --teacher-checkpoint)",
                scope.methodName());
        SameDiff sd = scope.sameDiff();
        SDVariable y = scope.labels();
        double t = config.temperature();
        scope.addTerm(student, "ce", Losses.crossEntropy(sd, scope.logits(student), y), 1.0);
        scope.addTerm(student, "kl", Losses.distillationKl(sd, scope.detachedLogits(teacher), scope.logits(student),
                t), 1.0);
        scope.addTerm(teacher, "ce", Losses.crossEntropy(sd, scope.logits(teacher), y), 1.0);
        scope.addTerm(teacher, "kl", Losses.distillationKl(sd, scope.detachedLogits(student), scope.logits(teacher),
                t), 1.0);
        scope.updateWhen(teacher, learningMode(sd, scope.detachedLogits(student), scope.detachedLogits(teacher), y, t));
    }

    /** 1 in learning mode (the teacher updates), 0 in expert mode. */
    static SDVariable learningMode(SameDiff sd, SDVariable zs, SDVariable zt, SDVariable y, double temperature) {
        SDVariable ps = Losses.softmax(sd, zs.div(temperature), 1);
        SDVariable pt = Losses.softmax(sd, zt.div(temperature), 1);
        SDVariable gap = sd.math().abs(ps.sub(pt)).sum(1).mean();
        SDVariable et = sd.math().abs(pt.sub(y)).sum(1).mean();
        SDVariable es = sd.math().abs(ps.sub(y)).sum(1).mean();
        SDVariable delta = es.sub(sd.math().exp(et.neg().div(et.add(es))).mul(et));
        SDVariable expert = sd.gt(gap, delta).castTo(y.dataType()).mul(sd.lt(et, es).castTo(y.dataType()));
        return expert.rsub(1.0);
    }
}
