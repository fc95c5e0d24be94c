package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.GraphEdits;
import dev.adm.core.engine.GraphSurgery;
import dev.adm.core.engine.LabelKind;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.engine.Participant;
import dev.adm.core.ops.Losses;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.EnumSet;
import java.util.Set;

/**
 * ONE, on-the-fly native ensemble (Lan et al., NeurIPS 2018, arXiv 1806.04606), as docs/methods.md#one: the
 * network's last stage and head are replicated into {@code m} branches on a shared trunk (the original head
 * is branch 1, the one exported); a gate {@code g = softmax(ReLU(BN(FC(GAP(trunk)))))} weights the branch
 * logits into {@code z_e = sum_i g_i z_i}; {@code L = sum_i CE(z_i, y) + CE(z_e, y)
 * + r(e) sum_i T^2 KL(sg p_e^T || p_i^T)} with the ramp {@code r(e) = exp(-5 (1 - e/R)^2)} for epochs
 * {@code e < R}, then 1. Defaults: 3 branches, T = 3, R = 80; the trunk ends at the input of the last stage
 * ({@code split=auto}: the second-to-last {@code stageK} vertex).
 */
public final class OneMethod implements DistillationMethod {
    public static final String NAME = "one";
    /** The gate's vertex (ReLU(BN(FC(GAP)))); the softmax is part of the loss. */
    public static final String GATE = "one_gate";
    static final List<ParamSpec> PARAMS = List.of(
            ParamSpec.of("branches", 3, "number of branches m (>= 2)"),
            ParamSpec.of("T", 3.0, "softmax temperature of the KL to the ensemble"),
            ParamSpec.of("rampup", 80, "epochs R over which the KL weight ramps up"),
            ParamSpec.of("split", "auto", "vertex where the branches leave the shared trunk"));

    /** @param branches m >= 2; @param temperature T > 0; @param rampup R >= 1; @param split vertex or auto */
    public record Config(int branches, double temperature, double rampup, String split) {
        public Config {
            Preconditions.checkArgument(branches >= 2 && branches <= 16, "one: branches must be 2..16, got %s",
                    branches);
            Preconditions.checkArgument(temperature > 0 && Double.isFinite(temperature),
                    "one: T must be a positive number, got %s", temperature);
            Preconditions.checkArgument(rampup >= 1, "one: rampup must be >= 1 epoch, got %s", rampup);
            Preconditions.checkArgument(split != null && !split.isBlank(), "one: split must name a vertex or be auto");
        }
    }

    private final Config config;

    public OneMethod(Config config) {
        this.config = config;
    }

    static OneMethod fromParams(MethodParams p) {
        double m = p.number("branches");
        Preconditions.checkArgument(m == Math.rint(m), "one: branches must be a whole number, got %s", m);
        return new OneMethod(new Config((int) m, p.number("T"), p.number("rampup"), p.text("split").trim()));
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
    public boolean trainsSingleNetwork() {
        return true;
    }

    /** The ramp r(e) of the 0-based epoch e. */
    public double ramp(int epoch) {
        return epoch >= config.rampup() ? 1.0 : Math.exp(-5 * Math.pow(1 - epoch / config.rampup(), 2));
    }

    @Override
    public Map<String, Double> stepScalars(int epoch, long iteration) {
        return Map.of("one_ramp", ramp(epoch));
    }

    static String branchLogits(int branch) {
        return "branch" + branch + "_logits";
    }

    @Override
    public List<Participant> arrange(List<Participant> networks, InputType images) {
        Preconditions.checkArgument(networks.size() == 1 && networks.get(0).trainable(), "one trains a single "
                + "multi-branch network; got %s networks (on the command line: drop --teacher and "
                + "--teacher-checkpoint)", networks.size());
        Participant net = networks.get(0);
        var conf = net.graph().getConfiguration();
        String logits = net.logitsVertex();
        if (conf.getVertices().containsKey(GATE)) {
            return networks;
        }
        String split = splitVertex(net);
        long channels = GraphSurgery.activationShape(net.graph(), images, split)[0];
        var extended = GraphEdits.extend(net.graph(), logits, images, e -> {
            for (int k = 2; k <= config.branches(); k++) {
                Map<String, String> copies = e.copyDownstream(split, "branch" + k + "_");
                Preconditions.checkState(copies.get(logits).equals(branchLogits(k)), "one: head vertex must be "
                        + "named 'logits', got '%s'", logits);
                e.rawLogits(branchLogits(k));
            }
            e.layer(GATE + "_pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), split);
            e.layer(GATE + "_fc", new DenseLayer.Builder().nIn(channels).nOut(config.branches())
                    .activation(Activation.IDENTITY).build(), GATE + "_pool");
            e.layer(GATE + "_bn", new BatchNormalization.Builder().nIn(config.branches()).nOut(config.branches())
                    .build(), GATE + "_fc");
            e.layer(GATE, new ActivationLayer.Builder().activation(Activation.RELU).build(), GATE + "_bn");
        });
        return List.of(net.withGraph(extended));
    }

    private String splitVertex(Participant net) {
        var vertices = net.graph().getConfiguration().getVertices().keySet();
        if (!config.split().equals("auto")) {
            String v = net.vertexOf(config.split());
            Preconditions.checkArgument(vertices.contains(v), "one: no vertex '%s' to split at", v);
            return v;
        }
        int last = 0;
        while (vertices.contains("stage" + (last + 1))) {
            last++;
        }
        Preconditions.checkArgument(last >= 2, "one: cannot find the last stage's input (vertices stage1, stage2, "
                + "...); name the trunk's last vertex with --param split=VERTEX");
        return "stage" + (last - 1);
    }

    @Override
    public void defineLosses(LossScope scope) {
        List<NetworkRef> nets = scope.networks();
        Preconditions.checkArgument(nets.size() == 1, "one trains a single network, got %s", nets.size());
        NetworkRef net = nets.get(0);
        SameDiff sd = scope.sameDiff();
        SDVariable y = scope.labels();
        List<SDVariable> branches = new ArrayList<>();
        List<SDVariable> detached = new ArrayList<>();
        branches.add(scope.logits(net));
        detached.add(scope.detachedLogits(net));
        for (int k = 2; k <= config.branches(); k++) {
            branches.add(scope.tap(net, branchLogits(k)));
            detached.add(scope.detachedTap(net, branchLogits(k)));
        }
        SDVariable ensemble = ensemble(sd, Losses.softmax(sd, scope.tap(net, GATE), 1), branches, y.dataType());
        SDVariable target = ensemble(sd, Losses.softmax(sd, scope.detachedTap(net, GATE), 1), detached,
                y.dataType());
        SDVariable ce = null;
        SDVariable kl = null;
        for (SDVariable z : branches) {
            SDVariable c = Losses.crossEntropy(sd, z, y);
            SDVariable k = Losses.distillationKl(sd, target, z, config.temperature());
            ce = ce == null ? c : ce.add(c);
            kl = kl == null ? k : kl.add(k);
        }
        scope.addTerm(net, "ce", ce, 1.0);
        scope.addTerm(net, "ce_ensemble", Losses.crossEntropy(sd, ensemble, y), 1.0);
        scope.addTerm(net, "kl", kl.mul(scope.scalar("one_ramp")), 1.0);
    }

    /** {@code sum_i g[:, i] * z_i}; the column of g is taken by a constant matrix product (no slicing op). */
    private static SDVariable ensemble(SameDiff sd, SDVariable gate, List<SDVariable> logits,
                                       org.nd4j.linalg.api.buffer.DataType type) {
        SDVariable sum = null;
        int m = logits.size();
        for (int i = 0; i < m; i++) {
            var pick = Nd4j.zeros(type, m, 1);
            pick.putScalar(i, 0, 1.0);
            SDVariable gi = gate.mmul(sd.constant(pick)); // [B,1]
            SDVariable term = logits.get(i).mul(gi);
            sum = sum == null ? term : sum.add(term);
        }
        return sum;
    }
}
