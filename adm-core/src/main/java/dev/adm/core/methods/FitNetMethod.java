package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.GraphEdits;
import dev.adm.core.engine.GraphSurgery;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.activations.Activation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * FitNet hints (Romero et al., ICLR 2015, arXiv 1412.6550), offline, as docs/methods.md#fitnet and mdistiller:
 * {@code L = CE + weight * mean (r(F_s) - F_t)^2} on the {@code hint} maps, where the regressor {@code r} is
 * a convolution the method adds to the student (trained with it, dropped from the exported classifier):
 * 1x1 when the maps have equal size, otherwise a valid convolution of size {@code 1 + H_s - H_t} (mdistiller's
 * ConvReg for a larger student map). Defaults: hint stage2, weight 100.
 */
public final class FitNetMethod implements DistillationMethod {
    public static final String NAME = "fitnet";
    /** The student vertex holding the regressor's output. */
    public static final String REGRESSOR = "fitnet_regressor";
    static final List<ParamSpec> PARAMS = List.of(
            ParamSpec.of("hint", "stage2", "tap whose maps are matched (teacher hint, student guided layer)"),
            ParamSpec.of("weight", 100.0, "weight of the hint loss"));

    /** @param hint tap name; @param weight hint-loss weight >= 0 */
    public record Config(String hint, double weight) {
        public Config {
            Preconditions.checkArgument(hint != null && !hint.isBlank(), "fitnet: hint must name a tap");
            Preconditions.checkArgument(weight >= 0 && Double.isFinite(weight), "fitnet: weight must be >= 0, got %s",
                    weight);
        }
    }

    private final Config config;

    public FitNetMethod(Config config) {
        this.config = config;
    }

    static FitNetMethod fromParams(MethodParams p) {
        return new FitNetMethod(new Config(p.text("hint").trim(), p.number("weight")));
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
    public List<Participant> arrange(List<Participant> networks, InputType images) {
        Participant teacher = Arrangements.single(networks, Role.TEACHER, NAME);
        Participant student = Arrangements.single(networks, Role.STUDENT, NAME);
        if (student.graph().getConfiguration().getVertices().containsKey(REGRESSOR)) {
            return networks;
        }
        long[] t = GraphSurgery.activationShape(teacher.graph(), images, teacher.vertexOf(config.hint()));
        long[] s = GraphSurgery.activationShape(student.graph(), images, student.vertexOf(config.hint()));
        Preconditions.checkArgument(t.length == 3 && s.length == 3, "fitnet: hint '%s' must be a feature map in both "
                + "networks, got %s and %s", config.hint(), Arrays.toString(s), Arrays.toString(t));
        Preconditions.checkArgument(s[1] >= t[1] && s[2] >= t[2], "fitnet: the student's '%s' map (%s) is smaller "
                + "than the teacher's (%s); choose a hint with --param hint=TAP where the student's map is at least as "
                + "large", config.hint(), Arrays.toString(s), Arrays.toString(t));
        ConvolutionLayer regressor = new ConvolutionLayer.Builder((int) (1 + s[1] - t[1]), (int) (1 + s[2] - t[2]))
                .nIn(s[0]).nOut(t[0]).stride(1, 1).convolutionMode(ConvolutionMode.Truncate)
                .activation(Activation.IDENTITY).build();
        var extended = GraphEdits.extend(student.graph(), student.logitsVertex(), images,
                e -> e.layer(REGRESSOR, regressor, student.vertexOf(config.hint())));
        List<Participant> out = new ArrayList<>(networks);
        out.set(networks.indexOf(student), student.withGraph(extended));
        return out;
    }

    @Override
    public void defineLosses(LossScope scope) {
        OfflinePair pair = OfflinePair.of(scope);
        long[] r = scope.tapShape(pair.student(), REGRESSOR);
        long[] t = scope.tapShape(pair.teacher(), config.hint());
        Preconditions.checkState(Arrays.equals(r, t), "fitnet: regressor output %s differs from the teacher's hint %s",
                Arrays.toString(r), Arrays.toString(t));
        NetworkRef student = pair.student();
        scope.addTerm(student, "ce", scope.crossEntropy(scope.logits(student)), 1.0);
        SDVariable diff = scope.tap(student, REGRESSOR).sub(scope.detachedTap(pair.teacher(), config.hint()));
        scope.addTerm(student, "hint", diff.mul(diff).mean(), config.weight());
    }
}
