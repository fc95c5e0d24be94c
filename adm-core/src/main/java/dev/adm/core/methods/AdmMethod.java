package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LabelKind;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.engine.Taps;
import dev.adm.core.ops.Losses;
import dev.adm.core.ops.SimilarityMeasure;
import dev.adm.core.ops.SpatialOps;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * ADM, Asymmetric Decision-Making (Chen et al., ICML 2025, arXiv 2503.06685), as an add-on to a base
 * method (docs/methods.md#adm; the formulas beyond the paper's description are this project's reconstruction).
 *
 * <p>On the {@code feat} maps (last map before global pooling) of a student {@code F_s} and a teacher
 * {@code F_t}: {@code S = sim(sg F_s, sg F_t)} per location; {@code w_co = HW softmax(S/tau)},
 * {@code w_di = HW softmax(-S/tau)}; each network's own head re-classifies its re-pooled features:
 * {@code L_co = T^2 KL(sg p_t^T || softmax(h_s(mean_i w_co,i F_s,i)/T))} is added to the student's loss with
 * weight alpha, {@code L_di = CE(h_t(mean_i w_di,i F_t,i), y)} to a trained teacher's with weight beta; the
 * base method's terms are unchanged. A frozen teacher (offline bases kd, dkd) gets no L_di. With several
 * teachers or students every (teacher, student) pair contributes, and each network averages over its pairs.
 * Variant {@code mimicry}: {@code L_co = mean_{b,i} w_co,i |n(F_s,i) - sg n(F_t,i)|^2}, n = channel L2
 * normalisation. T is the base method's temperature.
 */
public final class AdmMethod implements DistillationMethod {
    public static final String NAME = "adm";
    /** The tap both networks must expose: the last feature map before global pooling. */
    private static final String FEATURE_TAP = Taps.FEAT;

    /** ADM's own parameters; the base method's (T among them) are added by the registry. */
    static final List<ParamSpec> PARAMS = List.of(
            ParamSpec.of("tau", 0.5, "temperature of the softmax over locations"),
            ParamSpec.of("alpha", 1.0, "weight of L_co (students)"),
            ParamSpec.of("beta", 1.0, "weight of L_di (trained teachers)"),
            ParamSpec.of("similarity", "cosine", "cosine (equal channels) or attention (any channels)"),
            ParamSpec.of("variant", "decision", "L_co form: decision (re-classified features) or mimicry"));

    /** How L_co is formed. */
    public enum Variant { DECISION, MIMICRY }

    /** Immutable, validated ADM settings (see the class comment for meanings). */
    public record Config(double temperature, double tau, double alpha, double beta, SimilarityMeasure similarity,
                         Variant variant) {
        public Config {
            Preconditions.checkArgument(temperature > 0 && Double.isFinite(temperature),
                    "adm: T must be a positive number, got %s", temperature);
            Preconditions.checkArgument(tau > 0 && Double.isFinite(tau), "adm: tau must be > 0, got %s", tau);
            Preconditions.checkArgument(alpha >= 0 && beta >= 0 && Double.isFinite(alpha + beta),
                    "adm: alpha and beta must be >= 0, got %s and %s", alpha, beta);
            Preconditions.checkNotNull(similarity, "similarity");
            Preconditions.checkNotNull(variant, "variant");
        }

        static Config from(MethodParams p) {
            String variant = p.text("variant").toLowerCase(Locale.ROOT);
            Preconditions.checkArgument(variant.equals("decision") || variant.equals("mimicry"),
                    "adm: variant must be decision or mimicry, got '%s'", variant);
            return new Config(p.has("T") ? p.number("T") : 1.0, p.number("tau"), p.number("alpha"), p.number("beta"),
                    SimilarityMeasure.parse(p.text("similarity")), Variant.valueOf(variant.toUpperCase(Locale.ROOT)));
        }
    }

    private final String name;
    private final DistillationMethod base;
    private final Config config;

    public AdmMethod(String name, DistillationMethod base, Config config) {
        this.name = Preconditions.checkNotNull(name, "name");
        this.base = Preconditions.checkNotNull(base, "base");
        this.config = Preconditions.checkNotNull(config, "config");
    }

    public Config config() {
        return config;
    }

    public DistillationMethod base() {
        return base;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String displayName() {
        return name + " (on " + base.name() + ")";
    }

    /** Where the base runs: ADM has a form for every kind of labels. */
    @Override
    public Set<LabelKind> labelKinds() {
        return base.labelKinds();
    }

    @Override
    public boolean trainsSingleNetwork() {
        return base.trainsSingleNetwork();
    }

    @Override
    public boolean trainsAuxiliaryHeads() {
        return base.trainsAuxiliaryHeads();
    }

    @Override
    public List<Participant> arrange(List<Participant> networks, InputType images) {
        return base.arrange(networks, images);
    }

    @Override
    public boolean freezesTeacher() {
        return base.freezesTeacher();
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

    @Override
    public void defineLosses(LossScope scope) {
        base.defineLosses(scope);
        List<NetworkRef> teachers = scope.networks(Role.TEACHER);
        List<NetworkRef> students = scope.networks(Role.STUDENT);
        Preconditions.checkArgument(!teachers.isEmpty() && !students.isEmpty(), "%s needs at least one teacher and "
                + "one student, got %s teacher(s) and %s student(s)", displayName(), teachers.size(),
                students.size());
        SDVariable[][] co = new SDVariable[teachers.size()][students.size()];
        SDVariable[][] di = new SDVariable[teachers.size()][students.size()];
        for (int t = 0; t < teachers.size(); t++) {
            for (int s = 0; s < students.size(); s++) {
                SDVariable[] pair = pairLosses(scope, teachers.get(t), students.get(s));
                co[t][s] = pair[0];
                di[t][s] = pair[1];
            }
        }
        for (int s = 0; s < students.size(); s++) {
            SDVariable sum = co[0][s];
            for (int t = 1; t < teachers.size(); t++) {
                sum = sum.add(co[t][s]);
            }
            scope.addTerm(students.get(s), "co", sum.div((double) teachers.size()), config.alpha());
        }
        for (int t = 0; t < teachers.size(); t++) {
            if (!teachers.get(t).trainable()) {
                continue; // offline: a frozen teacher has no L_di
            }
            SDVariable sum = di[t][0];
            for (int s = 1; s < students.size(); s++) {
                sum = sum.add(di[t][s]);
            }
            scope.addTerm(teachers.get(t), "di", sum.div((double) students.size()), config.beta());
        }
    }

    /** {@code [L_co, L_di]} of one (teacher, student) pair; L_di is null for a frozen teacher. */
    private SDVariable[] pairLosses(LossScope scope, NetworkRef teacher, NetworkRef student) {
        if (scope.regressionTargets()) {
            return diffusionPairLosses(scope, teacher, student);
        }
        if (scope.labelShape().length == 3) {
            return densePairLosses(scope, teacher, student);
        }
        SameDiff sd = scope.sameDiff();
        scope.checkFeedsClassifier(student, FEATURE_TAP);
        long[] shapeS = scope.tapShape(student, FEATURE_TAP);
        long[] shapeT = scope.tapShape(teacher, FEATURE_TAP);
        long[] hw = comparableSize(shapeS, shapeT);
        long[] chwS = {shapeS[0], hw[0], hw[1]};
        long[] chwT = {shapeT[0], hw[0], hw[1]};
        SDVariable fs = SpatialOps.alignSpatial(sd, scope.tap(student, FEATURE_TAP), shapeS, hw[0], hw[1]);
        SDVariable wCo = locationWeights(scope, teacher, student, hw, +1);
        SDVariable lCo;
        if (config.variant() == Variant.DECISION) {
            SDVariable zCo = scope.classifier(student, SpatialOps.modulatedPool(sd, fs, chwS, wCo));
            lCo = Losses.distillationKl(sd, scope.detachedLogits(teacher), zCo, config.temperature());
        } else {
            lCo = mimicryDistances(scope, teacher, fs, shapeT, hw).mul(wCo).mean();
        }
        if (!teacher.trainable()) {
            return new SDVariable[]{lCo, null};
        }
        scope.checkFeedsClassifier(teacher, FEATURE_TAP);
        SDVariable ft = SpatialOps.alignSpatial(sd, scope.tap(teacher, FEATURE_TAP), shapeT, hw[0], hw[1]);
        SDVariable wDi = locationWeights(scope, teacher, student, hw, -1);
        SDVariable zDi = scope.classifier(teacher, SpatialOps.modulatedPool(sd, ft, chwT, wDi));
        return new SDVariable[]{lCo, Losses.crossEntropy(sd, zDi, scope.labels())};
    }

    /**
     * Dense prediction (docs/methods.md#adm, step 10): S and the weights per location of the decoder maps, the softmax
     * over the valid locations only (labels downsampled by nearest); L_co weighs the pixel KL and L_di the pixel CE.
     * Our reconstruction evaluates both on the network's logits at label size, each weight spread (nearest) over the
     * label pixels of its location: the heads here upsample before their 1x1 classifier, so those logits are the
     * bilinear upsampling of the feature-resolution ones the reconstruction first named.
     */
    private SDVariable[] densePairLosses(LossScope scope, NetworkRef teacher, NetworkRef student) {
        SameDiff sd = scope.sameDiff();
        long[] shapeS = scope.tapShape(student, FEATURE_TAP);
        long[] shapeT = scope.tapShape(teacher, FEATURE_TAP);
        long[] hw = comparableSize(shapeS, shapeT);
        long[] label = scope.labelShape();
        int stride = SpatialOps.labelStride(label[1], label[2], hw[0], hw[1]);
        SDVariable s = similarity(scope, teacher, student, hw);
        SDVariable valid = SpatialOps.nearestDownsample(sd, scope.labels().sum(1), stride);
        SDVariable wCo = SpatialOps.validLocationWeights(sd, s, valid, hw[0], hw[1], config.tau(), +1);
        SDVariable lCo;
        if (config.variant() == Variant.DECISION) {
            lCo = Losses.pixelKl(sd, scope.detachedLogits(teacher), scope.logits(student), scope.labels(),
                    config.temperature(), SpatialOps.nearestUpsample(sd, wCo, hw[0], hw[1], stride));
        } else {
            SDVariable fs = SpatialOps.alignSpatial(sd, scope.tap(student, FEATURE_TAP), shapeS, hw[0], hw[1]);
            lCo = mimicryDistances(scope, teacher, fs, shapeT, hw).mul(wCo).sum()
                    .div(sd.scalarMax(valid.sum(), 1.0));
        }
        if (!teacher.trainable()) {
            return new SDVariable[]{lCo, null};
        }
        SDVariable wDi = SpatialOps.validLocationWeights(sd, s, valid, hw[0], hw[1], config.tau(), -1);
        return new SDVariable[]{lCo, Losses.denseCrossEntropy(sd, scope.logits(teacher), scope.labels(),
                SpatialOps.nearestUpsample(sd, wDi, hw[0], hw[1], stride))};
    }

    /**
     * Diffusion (docs/methods.md#adm, step 11): {@code F} = the U-Nets' bottleneck maps on the same {@code (x_t, t)};
     * {@code L_co} = the consensus-weighted mimicry distance (the output distillation added to it comes from
     * the base: DML's mutual output distance, or output-kd's); {@code L_di = mean_{b,c,i} w_di,i (eps_t,i - eps_i)^2}
     * with the weights spread (nearest) over the image. The {@code variant} does not apply: there is no classifier.
     */
    private SDVariable[] diffusionPairLosses(LossScope scope, NetworkRef teacher, NetworkRef student) {
        SameDiff sd = scope.sameDiff();
        long[] shapeS = scope.tapShape(student, FEATURE_TAP);
        long[] shapeT = scope.tapShape(teacher, FEATURE_TAP);
        Preconditions.checkArgument(shapeS[0] == shapeT[0], "%s on diffusion compares normalised bottleneck maps and "
                + "needs equal channel counts; student feat is %s, teacher feat is %s (give the U-Nets the same "
                + "bottleneck width)", name, Arrays.toString(shapeS), Arrays.toString(shapeT));
        SpatialOps.checkComparable(shapeS, shapeT, config.similarity());
        long[] hw = SpatialOps.commonSpatialSize(shapeS, shapeT);
        SDVariable fs = SpatialOps.alignSpatial(sd, scope.tap(student, FEATURE_TAP), shapeS, hw[0], hw[1]);
        SDVariable wCo = locationWeights(scope, teacher, student, hw, +1);
        SDVariable lCo = mimicryDistances(scope, teacher, fs, shapeT, hw).mul(wCo).mean();
        if (!teacher.trainable()) {
            return new SDVariable[]{lCo, null};
        }
        long[] target = scope.labelShape();
        int stride = SpatialOps.labelStride(target[1], target[2], hw[0], hw[1]);
        SDVariable wDi = SpatialOps.nearestUpsample(sd, locationWeights(scope, teacher, student, hw, -1), hw[0], hw[1],
                stride);
        SDVariable err = scope.logits(teacher).sub(scope.labels());
        return new SDVariable[]{lCo, err.mul(err).mul(wDi).mean()};
    }

    /** The common map size of the two feature maps, after checking the variant and similarity accept them. */
    private long[] comparableSize(long[] shapeS, long[] shapeT) {
        if (config.variant() == Variant.MIMICRY && shapeS[0] != shapeT[0]) {
            throw new IllegalArgumentException(String.format("%s variant=mimicry compares normalised features and "
                            + "needs equal channel counts; student feat is %s, teacher feat is %s; use variant=decision "
                            + "with similarity=attention", name, Arrays.toString(shapeS), Arrays.toString(shapeT)));
        }
        SpatialOps.checkComparable(shapeS, shapeT, config.similarity());
        return SpatialOps.commonSpatialSize(shapeS, shapeT);
    }

    /** S {@code [B,h,w]}: a function of stop-gradient features, computed eagerly in one native pass per step. */
    private SDVariable similarity(LossScope scope, NetworkRef teacher, NetworkRef student, long[] hw) {
        SimilarityMeasure measure = config.similarity();
        return scope.precomputed("adm_similarity_" + teacher.index() + "_" + student.index(), hw,
                List.of(new LossScope.TapRef(student, FEATURE_TAP), new LossScope.TapRef(teacher, FEATURE_TAP)),
                in -> SpatialOps.similarity(SpatialOps.alignSpatial(in.get(0), hw[0], hw[1]),
                        SpatialOps.alignSpatial(in.get(1), hw[0], hw[1]), measure));
    }

    /**
     * {@code w_co} ({@code sign} +1) or {@code w_di} (-1) {@code [B,h,w]}: a function of S alone, so of stop-gradient
     * features, computed eagerly with S in one pass per step; in the graph it would be a chain of a dozen ops
     * that no gradient flows through.
     */
    private SDVariable locationWeights(LossScope scope, NetworkRef teacher, NetworkRef student, long[] hw, int sign) {
        SimilarityMeasure measure = config.similarity();
        double tau = config.tau();
        return scope.precomputed("adm_" + (sign > 0 ? "co" : "di") + "_weights_" + teacher.index() + "_"
                        + student.index(), hw,
                List.of(new LossScope.TapRef(student, FEATURE_TAP), new LossScope.TapRef(teacher, FEATURE_TAP)),
                in -> {
                    INDArray s = SpatialOps.similarity(SpatialOps.alignSpatial(in.get(0), hw[0], hw[1]),
                            SpatialOps.alignSpatial(in.get(1), hw[0], hw[1]), measure);
                    INDArray w = SpatialOps.locationWeights(s, tau, sign);
                    s.close();
                    return w;
                });
    }

    /** {@code |n(F_s,i) - sg n(F_t,i)|^2} per location {@code [B,h,w]}, n = channel L2 normalisation. */
    private static SDVariable mimicryDistances(LossScope scope, NetworkRef teacher, SDVariable fs, long[] shapeT,
                                               long[] hw) {
        SameDiff sd = scope.sameDiff();
        SDVariable ft = SpatialOps.alignSpatial(sd, scope.detachedTap(teacher, FEATURE_TAP), shapeT, hw[0], hw[1]);
        return sd.squaredNorm(channelNormalised(sd, fs).sub(channelNormalised(sd, ft)), false, 1);
    }

    /** {@code F / max(|F|_c, 1e-8)} per location. */
    private static SDVariable channelNormalised(SameDiff sd, SDVariable f) {
        SDVariable norm = sd.math().sqrt(sd.scalarMax(sd.squaredNorm(f, true, 1), SpatialOps.EPS * SpatialOps.EPS));
        return f.div(norm);
    }
}
