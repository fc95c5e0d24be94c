package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.GraphEdits;
import dev.adm.core.engine.LabelKind;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.ops.Losses;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.ArrayList;
import java.util.List;
import java.util.EnumSet;
import java.util.Set;

/**
 * SOKD, semi-online KD (Liu et al., BMVC 2021, arXiv 2111.11747), as docs/methods.md#sokd: a frozen pretrained teacher
 * (forward in training mode, so its batch norm uses batch statistics, as in the released code) and an auxiliary
 * {@code peer}: a fresh, randomly initialised copy of everything after the teacher's {@code split} vertex
 * (its last stage, BN, pooling and head), fed the teacher's {@code split} map with no gradient into the
 * teacher. The peer trains like the student (same learning-rate schedule). Losses, T = 4:
 * <ul>
 *   <li>student {@code L_S = CE(z_S, y) + T^2 KL(sg p_A^T || p_S^T)};</li>
 *   <li>peer {@code L_A = CE(z_A, y) + T^2 KL(p_T^T || p_A^T) + T^2 KL(sg p_S^T || p_A^T)};</li>
 * </ul>
 * both in one step. Only the student is exported; the peer's top-1 (on the teacher's maps) is reported.
 */
public final class SokdMethod implements DistillationMethod {
    public static final String NAME = "sokd";
    /** The name of the auxiliary peer network. */
    public static final String PEER = "peer";
    static final List<ParamSpec> PARAMS = List.of(
            ParamSpec.of("T", 4.0, "softmax temperature"),
            ParamSpec.of("split", "stage2", "teacher tap the peer branch reads (its copy starts after it)"));

    /** @param temperature T > 0; @param split tap name */
    public record Config(double temperature, String split) {
        public Config {
            Preconditions.checkArgument(temperature > 0 && Double.isFinite(temperature),
                    "sokd: T must be a positive number, got %s", temperature);
            Preconditions.checkArgument(split != null && !split.isBlank(), "sokd: split must name a teacher tap");
        }
    }

    private final Config config;

    public SokdMethod(Config config) {
        this.config = config;
    }

    static SokdMethod fromParams(MethodParams p) {
        return new SokdMethod(new Config(p.number("T"), p.text("split").trim()));
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
    public boolean freezesTeacher() {
        return true;
    }

    @Override
    public List<Participant> arrange(List<Participant> networks, InputType images) {
        if (networks.stream().anyMatch(p -> p.name().equals(PEER))) {
            return networks;
        }
        Participant teacher = Arrangements.single(networks, Role.TEACHER, NAME);
        Participant student = Arrangements.single(networks, Role.STUDENT, NAME);
        Preconditions.checkArgument(!teacher.trainable(), "sokd is semi-online: the teacher is a frozen pretrained "
                + "network (on the command line: --teacher-checkpoint FILE from ./adm train classification --method "
                + "baseline)");
        long seed = student.graph().getConfiguration().getDefaultConfiguration().getSeed() + 1;
        var peerGraph = GraphEdits.branchFrom(teacher.graph(), teacher.vertexOf(config.split()),
                teacher.logitsVertex(), student.graph(), student.logitsVertex(), seed);
        List<Participant> out = new ArrayList<>();
        for (Participant p : networks) {
            out.add(p == teacher ? p.toBuilder().batchStatistics(true).build() : p);
        }
        out.add(Participant.builder(PEER, peerGraph).role(Role.PEER).input(teacher.name(), config.split()).build());
        return out;
    }

    @Override
    public void defineLosses(LossScope scope) {
        OfflinePair pair = OfflinePair.of(scope);
        List<NetworkRef> peers = scope.networks(Role.PEER);
        Preconditions.checkArgument(peers.size() == 1 && peers.get(0).trainable(), "sokd needs its trained peer "
                + "branch (added by arrange), got %s", peers);
        NetworkRef student = pair.student();
        NetworkRef peer = peers.get(0);
        var sd = scope.sameDiff();
        SDVariable y = scope.labels();
        double t = config.temperature();
        scope.addTerm(student, "ce", Losses.crossEntropy(sd, scope.logits(student), y), 1.0);
        scope.addTerm(student, "kl_peer", Losses.distillationKl(sd, scope.detachedLogits(peer), scope.logits(student),
                t), 1.0);
        scope.addTerm(peer, "ce", Losses.crossEntropy(sd, scope.logits(peer), y), 1.0);
        scope.addTerm(peer, "kl_teacher", Losses.distillationKl(sd, scope.detachedLogits(pair.teacher()),
                scope.logits(peer), t), 1.0);
        scope.addTerm(peer, "kl_student", Losses.distillationKl(sd, scope.detachedLogits(student), scope.logits(peer),
                t), 1.0);
    }
}
