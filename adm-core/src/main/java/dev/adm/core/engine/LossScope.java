package dev.adm.core.engine;

import dev.adm.core.ops.Losses;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.function.Function;

/**
 * What a {@link DistillationMethod} builds its losses with: a SameDiff graph whose inputs are the
 * networks' tapped tensors for the current batch.
 *
 * <p>Every tensor comes in two forms. {@link #logits} and {@link #tap} carry gradient back into their
 * network (when it trains); {@link #detachedLogits} and {@link #detachedTap} are the same values as
 * stop-gradient inputs, which is how {@code sg(.)} of docs/methods.md and every peer tensor enter a loss.
 */
public interface LossScope {
    SameDiff sameDiff();

    /**
     * How error messages name the method being built: {@link DistillationMethod#displayName()} of the method the
     * user chose (a base method wrapped by ADM is named as part of it, e.g. {@code adm (on dml)}).
     */
    String methodName();

    int numClasses();

    /** All networks, in engine order. */
    List<NetworkRef> networks();

    /** The networks with the given role, in engine order. */
    default List<NetworkRef> networks(Role role) {
        return networks().stream().filter(n -> n.role() == role).toList();
    }

    /** The only network with this role; an error naming the method's requirement otherwise. */
    NetworkRef single(Role role);

    /** Per-sample shape of {@link #labels()}: {@code [K]}, or {@code [K,H,W]} for dense prediction. */
    default long[] labelShape() {
        return new long[]{numClasses()};
    }

    /**
     * One-hot labels {@code [B,K]}, or {@code [B,K,H,W]} for dense prediction, where a pixel with the ignore
     * label is all zeros (so sums over {@code y} count valid pixels only).
     */
    SDVariable labels();

    /**
     * The task's cross-entropy of a network's logits: the batch mean for classification, the mean over valid
     * pixels for dense labels.
     */
    default SDVariable crossEntropy(SDVariable logits) {
        com.google.common.base.Preconditions.checkArgument(!regressionTargets(), "%s: a cross-entropy needs class "
                + "labels, but this task's labels are regression targets", methodName());
        return labelShape().length == 1 ? Losses.crossEntropy(sameDiff(), logits, labels())
                : Losses.denseCrossEntropy(sameDiff(), logits, labels());
    }

    /**
     * Whether {@link #labels()} holds real-valued regression targets (a diffusion model's noise) rather than
     * one-hot classes.
     */
    default boolean regressionTargets() {
        return false;
    }

    /**
     * The task's own loss of a network's output: the cross-entropy ({@link #crossEntropy}) for class labels, the
     * mean squared error to the targets for regression (DDPM's denoising loss).
     */
    default SDVariable taskLoss(SDVariable output) {
        if (!regressionTargets()) {
            return crossEntropy(output);
        }
        SDVariable diff = output.sub(labels());
        return diff.mul(diff).mean();
    }

    /**
     * {@code T^2 KL(softmax(target/T) || softmax(logits/T))} for the task: batchmean for classification, the mean
     * over valid pixels for dense labels (pixel KD). Pass a detached {@code target} where the formula has {@code sg}.
     */
    default SDVariable distillationKl(SDVariable target, SDVariable logits, double temperature) {
        return labelShape().length == 1 ? Losses.distillationKl(sameDiff(), target, logits, temperature)
                : Losses.pixelKl(sameDiff(), target, logits, labels(), temperature);
    }

    /**
     * Logits {@code [B,K]} (or {@code [B,K,h,w]} per pixel), differentiable for the owning network. Use it, and
     * {@link #tap}, in the owning network's own terms only: every network's total is differentiated together, so a
     * peer's tensors must enter a loss detached ({@link #detachedLogits}), as the formulas' {@code sg(.)} says.
     */
    SDVariable logits(NetworkRef network);

    /** Logits {@code [B,K]} as a stop-gradient input. */
    SDVariable detachedLogits(NetworkRef network);

    /** A tapped activation ({@code [B,C,H,W]} or {@code [B,N]}), differentiable for its network. */
    SDVariable tap(NetworkRef network, String tap);

    /** A tapped activation as a stop-gradient input. */
    SDVariable detachedTap(NetworkRef network, String tap);

    /** Whether the network has this tap (for optional parts, such as an auxiliary head's {@code aux}). */
    boolean hasTap(NetworkRef network, String tap);

    /** Shape of a tap without the batch dimension, e.g. {@code [C,H,W]}. */
    long[] tapShape(NetworkRef network, String tap);

    /**
     * Applies the network's own classifier (global-average-pool + dense head) to pooled features
     * {@code [B,C]}. The head weights are the network's: gradients from this path are added to those of
     * the plain logits path before the update.
     */
    SDVariable classifier(NetworkRef network, SDVariable pooled);

    /**
     * Fails, naming the fix, unless {@code tap} is exactly the map the network's classifier head
     * global-average-pools (so that {@link #classifier} on its re-pooled features is the same code path).
     */
    void checkFeedsClassifier(NetworkRef network, String tap);

    /** A tap of a network, as an input of {@link #precomputed}. */
    record TapRef(NetworkRef network, String tap) {
    }

    /**
     * A tensor computed eagerly at every step from stop-gradient taps (the step's values, in {@code inputs}
     * order) and entering the graph as a constant input of shape {@code [B, shape...]}. For quantities no
     * gradient flows through, such as ADM's similarity map: one native pass instead of a chain of graph ops.
     */
    default SDVariable precomputed(String name, long[] shape, List<TapRef> inputs,
                                   Function<List<INDArray>, INDArray> compute) {
        return precomputedWithLabels(name, shape, inputs, (taps, labels) -> compute.apply(taps));
    }

    /**
     * As {@link #precomputed}, computed from the taps and the step's one-hot labels (for example a hard-pixel mask
     * that needs a k-th smallest value).
     */
    SDVariable precomputedWithLabels(String name, long[] shape, List<TapRef> inputs,
                                     java.util.function.BiFunction<List<INDArray>, INDArray, INDArray> compute);

    /** A scalar that changes between steps, supplied by {@link DistillationMethod#stepScalars}. */
    SDVariable scalar(String name);

    /**
     * Makes the network's update conditional: it is updated at a step only when {@code condition} (a
     * scalar computed from this step's tensors) is positive, otherwise its backward pass is skipped.
     * Whether it was updated is reported in {@link StepResult#updated()}.
     */
    void updateWhen(NetworkRef network, SDVariable condition);

    /** Adds {@code weight * value} to the network's loss, logged as {@code term/network}. */
    void addTerm(NetworkRef network, String term, SDVariable value, double weight);
}
