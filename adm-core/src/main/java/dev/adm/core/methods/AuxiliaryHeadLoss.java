package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LabelKind;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.engine.Taps;
import org.deeplearning4j.nn.conf.inputs.InputType;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Any method, plus the loss that trains auxiliary heads (PSPNet, DeepLab): every trained network with an
 * {@code aux} tap adds {@code weight * CE(aux logits, y)} (term {@code aux_ce}); default weight 0.4. A method that
 * uses the auxiliary logits itself ({@link DistillationMethod#trainsAuxiliaryHeads}) is left unchanged.
 */
public final class AuxiliaryHeadLoss implements DistillationMethod {
    /** The auxiliary loss weight of PSPNet and of torchvision's segmentation references. */
    public static final double DEFAULT_WEIGHT = 0.4;

    private final DistillationMethod base;
    private final double weight;

    public AuxiliaryHeadLoss(DistillationMethod base, double weight) {
        this.base = Preconditions.checkNotNull(base, "base");
        Preconditions.checkArgument(weight >= 0 && Double.isFinite(weight), "auxiliary loss weight must be >= 0, "
                + "got %s", weight);
        this.weight = weight;
    }

    @Override
    public String name() {
        return base.name();
    }

    @Override
    public String displayName() {
        return base.displayName();
    }

    @Override
    public void defineLosses(LossScope scope) {
        base.defineLosses(scope);
        if (base.trainsAuxiliaryHeads()) {
            return;
        }
        for (NetworkRef n : scope.networks()) {
            if (n.trainable() && scope.hasTap(n, Taps.AUX)) {
                scope.addTerm(n, "aux_ce", scope.crossEntropy(scope.tap(n, Taps.AUX)), weight);
            }
        }
    }

    @Override
    public List<Participant> arrange(List<Participant> networks, InputType images) {
        return base.arrange(networks, images);
    }

    @Override
    public Set<LabelKind> labelKinds() {
        return base.labelKinds();
    }

    @Override
    public boolean freezesTeacher() {
        return base.freezesTeacher();
    }

    @Override
    public boolean trainsSingleNetwork() {
        return base.trainsSingleNetwork();
    }

    @Override
    public boolean trainsAuxiliaryHeads() {
        return true;
    }

    @Override
    public OptionalDouble learningRate(Role role) {
        return base.learningRate(role);
    }

    @Override
    public Map<String, Double> stepScalars(int epoch, long iteration) {
        return base.stepScalars(epoch, iteration);
    }

    @Override
    public Map<String, Double> stepScalars(int epoch, long iteration, long plannedIterations) {
        return base.stepScalars(epoch, iteration, plannedIterations);
    }
}
