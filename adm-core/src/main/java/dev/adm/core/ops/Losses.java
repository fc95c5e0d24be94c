package dev.adm.core.ops;

import com.google.common.base.Preconditions;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The logit losses shared by the methods, as SameDiff functions of {@code [B,K]} logits. Reductions follow
 * methods.md: "batchmean" = sum over classes, mean over the B rows.
 */
public final class Losses {
    private Losses() {
    }

    /**
     * Log-softmax along {@code dim}, written with primitive ops: SameDiff 1.0.0-M2.1 cannot clone its
     * {@code LogSoftMax}/{@code SoftMax} ops when it builds the gradient function (their {@code dimension}
     * property fails to deserialise). The max shift keeps exp() finite; its gradient cancels exactly.
     */
    public static SDVariable logSoftmax(SameDiff sd, SDVariable x, int dim) {
        SDVariable shifted = x.sub(sd.max(x, true, dim));
        return shifted.sub(sd.math().log(sd.math().exp(shifted).sum(true, dim)));
    }

    /** Softmax along {@code dim} (see {@link #logSoftmax} for why it is not SameDiff's own op). */
    public static SDVariable softmax(SameDiff sd, SDVariable x, int dim) {
        return sd.math().exp(logSoftmax(sd, x, dim));
    }

    /** {@code CE(z, y)}: mean over the batch of {@code -sum_k y_k log softmax(z)_k}; {@code y} one-hot. */
    public static SDVariable crossEntropy(SameDiff sd, SDVariable logits, SDVariable oneHot) {
        return oneHot.mul(logSoftmax(sd, logits, 1)).sum(1).mean().neg();
    }

    /**
     * {@code T^2 * KL(softmax(target/T) || softmax(logits/T))}, batchmean. The caller passes a detached
     * {@code target} where the spec has {@code sg(.)}; the {@code T^2} keeps gradient magnitudes
     * independent of the temperature (Hinton et al.).
     */
    public static SDVariable distillationKl(SameDiff sd, SDVariable target, SDVariable logits, double temperature) {
        Preconditions.checkArgument(temperature > 0, "temperature T must be positive, got %s", temperature);
        SDVariable logQ = logSoftmax(sd, target.div(temperature), 1);
        SDVariable logP = logSoftmax(sd, logits.div(temperature), 1);
        SDVariable kl = sd.math().exp(logQ).mul(logQ.sub(logP)).sum(1).mean();
        return kl.mul(temperature * temperature);
    }
}
