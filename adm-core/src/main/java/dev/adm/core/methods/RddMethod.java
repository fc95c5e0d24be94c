package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LabelKind;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.engine.Taps;
import dev.adm.core.ops.Losses;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.EnumSet;
import java.util.Set;

/**
 * RDD, relative-difficulty distillation for semantic segmentation, offline, in two stages (docs/methods.md#rdd; the
 * paper's equations were not available: this is this project's reconstruction).
 * <ul>
 *   <li>TFE stage (the first {@code tfe_fraction} of the planned iterations): the teacher's difficulty per pixel
 *   {@code D_i = KL(softmax(z_t^aux)_i || softmax(z_t)_i)} weighs the student's task loss by {@code w_i = exp(-D_i)}:
 *   {@code (1/N_valid) sum_i w_i (CE_i(z_s) + aux_weight CE_i(z_s^aux))}, the aux term when the student has an
 *   auxiliary head.</li>
 *   <li>TSE stage (the rest): a pixel is hard for a network when it is valid and {@code p(y_i) <= th}, with
 *   {@code th = max(hard_threshold, k-th smallest p(y) of the batch)}, {@code k = ceil(hard_fraction * N_valid)};
 *   the student's cross-entropy (and its aux term) is averaged over the pixels hard for exactly one of the two
 *   networks ({@code hard_S XOR hard_T}).</li>
 *   <li>Always: pixel KD with {@code T} (default 1), unweighted.</li>
 * </ul>
 * The teacher needs an auxiliary head (tap {@code aux}). Logged terms: {@code tfe} and {@code tse} (0 outside
 * their stage) and {@code stage} (0 = TFE, 1 = TSE, weight 0), so {@code steps.csv}/{@code metrics.csv} show the
 * switch.
 */
public final class RddMethod implements DistillationMethod {
    public static final String NAME = "rdd";
    static final List<ParamSpec> PARAMS = List.of(
            ParamSpec.of("tfe_fraction", 0.1, "fraction of the planned iterations in the TFE stage"),
            ParamSpec.of("hard_threshold", 0.7, "a pixel is hard when p(y) <= max(this, k-th smallest p(y))"),
            ParamSpec.of("hard_fraction", 0.012, "k = ceil(this * valid pixels)"),
            ParamSpec.of("aux_weight", 0.4, "weight of the student's auxiliary-head cross-entropy"),
            ParamSpec.of("T", 1.0, "temperature of the pixel KD term"),
            ParamSpec.of("kd_weight", 1.0, "weight of the pixel KD term"));
    private static final String STAGE = "rdd_tse";
    private static final Logger log = LoggerFactory.getLogger(RddMethod.class);

    /** Validated settings; see the class comment. */
    public record Config(double tfeFraction, double hardThreshold, double hardFraction, double auxWeight,
                         double temperature, double kdWeight) {
        public Config {
            Preconditions.checkArgument(tfeFraction >= 0 && tfeFraction <= 1, "rdd: tfe_fraction must be in [0, 1], "
                    + "got %s", tfeFraction);
            Preconditions.checkArgument(hardThreshold >= 0 && hardThreshold <= 1, "rdd: hard_threshold must be in "
                    + "[0, 1], got %s", hardThreshold);
            Preconditions.checkArgument(hardFraction > 0 && hardFraction <= 1, "rdd: hard_fraction must be in (0, 1], "
                    + "got %s", hardFraction);
            Preconditions.checkArgument(auxWeight >= 0 && kdWeight >= 0 && Double.isFinite(auxWeight + kdWeight),
                    "rdd: aux_weight and kd_weight must be >= 0");
            Preconditions.checkArgument(temperature > 0 && Double.isFinite(temperature), "rdd: T must be > 0, got %s",
                    temperature);
        }
    }

    private final Config config;
    private volatile boolean loggedSwitch;

    public RddMethod(Config config) {
        this.config = config;
    }

    static RddMethod fromParams(MethodParams p) {
        return new RddMethod(new Config(p.number("tfe_fraction"), p.number("hard_threshold"),
                p.number("hard_fraction"), p.number("aux_weight"), p.number("T"), p.number("kd_weight")));
    }

    @Override
    public Set<LabelKind> labelKinds() {
        return EnumSet.of(LabelKind.PIXEL);
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
    public boolean trainsAuxiliaryHeads() {
        return true;
    }

    @Override
    public boolean needsPlannedIterations() {
        return config.tfeFraction() > 0;
    }

    @Override
    public Map<String, Double> stepScalars(int epoch, long iteration, long plannedIterations) {
        Preconditions.checkState(plannedIterations > 0 || config.tfeFraction() == 0, "rdd switches stage after a "
                + "fraction of the planned iterations; tell the engine the plan (setPlannedIterations)");
        boolean tse = iteration >= Math.ceil(config.tfeFraction() * plannedIterations);
        if (tse && !loggedSwitch) {
            loggedSwitch = true;
            log.info("rdd: TSE stage from iteration {} of {}", iteration, plannedIterations);
        }
        return Map.of(STAGE, tse ? 1.0 : 0.0);
    }

    @Override
    public void defineLosses(LossScope scope) {
        OfflinePair pair = OfflinePair.of(scope);
        NetworkRef student = pair.student();
        NetworkRef teacher = pair.teacher();
        Preconditions.checkArgument(scope.hasTap(teacher, Taps.AUX), "rdd measures the teacher's "
                + "difficulty with its auxiliary head: train the teacher with --aux (a model with an 'aux' tap)");
        SameDiff sd = scope.sameDiff();
        SDVariable y = scope.labels();
        SDVariable zs = scope.logits(student);
        SDVariable zsAux = scope.hasTap(student, Taps.AUX)
                ? scope.tap(student, Taps.AUX) : null;

        // TFE: w_i = exp(-KL(p_t^aux || p_t)), from the frozen teacher's two heads
        SDVariable logMain = Losses.logSoftmax(sd, scope.detachedLogits(teacher), 1);
        SDVariable logAux = Losses.logSoftmax(sd, scope.detachedTap(teacher, Taps.AUX), 1);
        SDVariable difficulty = sd.math().exp(logAux).mul(logAux.sub(logMain)).sum(true, 1);
        SDVariable w = sd.math().exp(difficulty.neg());
        SDVariable tfe = Losses.denseCrossEntropy(sd, zs, y, w);
        if (zsAux != null) {
            tfe = tfe.add(Losses.denseCrossEntropy(sd, zsAux, y, w).mul(config.auxWeight()));
        }

        // TSE: cross-entropy over the pixels hard for exactly one network (an eager mask: it needs a k-th smallest)
        long[] hw = {scope.labelShape()[1], scope.labelShape()[2]};
        double threshold = config.hardThreshold();
        double fraction = config.hardFraction();
        SDVariable xor = scope.precomputedWithLabels("rdd_disagreement", new long[]{1, hw[0], hw[1]},
                List.of(new LossScope.TapRef(student, Taps.LOGITS), new LossScope.TapRef(teacher, Taps.LOGITS)),
                (logits, labels) -> Transforms.xor(hardMask(logits.get(0), labels, threshold, fraction),
                        hardMask(logits.get(1), labels, threshold, fraction)).castTo(labels.dataType()));
        SDVariable selected = y.mul(xor);
        SDVariable tse = Losses.denseCrossEntropy(sd, zs, selected);
        if (zsAux != null) {
            tse = tse.add(Losses.denseCrossEntropy(sd, zsAux, selected).mul(config.auxWeight()));
        }

        SDVariable stage = scope.scalar(STAGE);
        scope.addTerm(student, "tfe", tfe.mul(stage.rsub(1.0)), 1.0);
        scope.addTerm(student, "tse", tse.mul(stage), 1.0);
        scope.addTerm(student, "stage", stage.mul(1.0), 0.0);
        scope.addTerm(student, "pkd", Losses.pixelKl(sd, scope.detachedLogits(teacher), zs, y,
                config.temperature()), config.kdWeight());
    }

    /**
     * {@code [B,1,H,W]} booleans: valid pixels whose probability of the true class is at most
     * {@code max(threshold, k-th smallest of those probabilities)}, {@code k = ceil(fraction * N_valid)}.
     */
    static INDArray hardMask(INDArray logits, INDArray oneHot, double threshold, double fraction) {
        INDArray shifted = logits.sub(logits.max(true, 1));
        INDArray e = Transforms.exp(shifted, false);
        INDArray pTrue = e.mul(oneHot).sum(true, 1).div(e.sum(true, 1)); // p(y) on valid pixels, 0 elsewhere
        INDArray valid = oneHot.sum(true, 1);
        double[] p = pTrue.dup().data().asDouble();
        double[] v = valid.dup().data().asDouble();
        double[] kept = new double[p.length];
        int n = 0;
        for (int i = 0; i < p.length; i++) {
            if (v[i] > 0) {
                kept[n++] = p[i];
            }
        }
        if (n == 0) {
            return Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.BOOL, pTrue.shape());
        }
        double[] sorted = Arrays.copyOf(kept, n);
        Arrays.sort(sorted);
        int k = (int) Math.min(n, Math.max(1, Math.ceil(fraction * n)));
        double th = Math.max(threshold, sorted[k - 1]);
        return Transforms.and(pTrue.lte(th), valid.gt(0));
    }
}
