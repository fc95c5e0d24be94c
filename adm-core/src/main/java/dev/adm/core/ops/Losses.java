package dev.adm.core.ops;

import com.google.common.base.Preconditions;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The logit losses shared by the methods, as SameDiff functions of {@code [B,K]} logits. Reductions follow
 * docs/methods.md: "batchmean" = sum over classes, mean over the B rows.
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
     * {@code target} where the formula has {@code sg(.)}; the {@code T^2} keeps gradient magnitudes
     * independent of the temperature (Hinton et al.).
     */
    public static SDVariable distillationKl(SameDiff sd, SDVariable target, SDVariable logits, double temperature) {
        Preconditions.checkArgument(temperature > 0, "temperature T must be positive, got %s", temperature);
        SDVariable logQ = logSoftmax(sd, target.div(temperature), 1);
        SDVariable logP = logSoftmax(sd, logits.div(temperature), 1);
        SDVariable kl = sd.math().exp(logQ).mul(logQ.sub(logP)).sum(1).mean();
        return kl.mul(temperature * temperature);
    }

    /**
     * Channel-wise distillation (Shu et al., ICCV 2021): each channel's map becomes a distribution over its
     * {@code H*W} locations, {@code tau^2/(N*C) * sum_{n,c} KL(softmax_HW(t/tau) || softmax_HW(s/tau))}.
     *
     * @param target teacher maps {@code [N,C,H,W]} (pass them detached)
     * @param maps   student maps of the same shape
     * @param chw    {@code [C,H,W]}
     */
    public static SDVariable channelWiseKl(SameDiff sd, SDVariable target, SDVariable maps, long[] chw, double tau) {
        Preconditions.checkArgument(tau > 0, "temperature tau must be positive, got %s", tau);
        Preconditions.checkArgument(chw.length == 3 && chw[1] * chw[2] > 1, "channel-wise distillation needs "
                + "spatial maps with more than one location, got [C,H,W] = %s", java.util.Arrays.toString(chw));
        SDVariable logQ = logSoftmax(sd, sd.reshape(target, -1, chw[0], chw[1] * chw[2]).div(tau), 2);
        SDVariable logP = logSoftmax(sd, sd.reshape(maps, -1, chw[0], chw[1] * chw[2]).div(tau), 2);
        return sd.math().exp(logQ).mul(logQ.sub(logP)).sum(2).mean().mul(tau * tau);
    }

    /**
     * {@code CE} over the valid pixels of dense logits {@code [B,K,H,W]}: {@code -sum(y log softmax_K(z)) / N_valid}
     * with one-hot {@code y} whose ignored pixels are all zero, {@code N_valid = sum(y)} (at least 1).
     */
    public static SDVariable denseCrossEntropy(SameDiff sd, SDVariable logits, SDVariable oneHot) {
        return denseCrossEntropy(sd, logits, oneHot, null);
    }

    /**
     * {@code (1/N_valid) sum_i w_i CE_i} over valid pixels, with per-pixel weights {@code [B,1,H,W]} (null = 1),
     * as ADM's L_di on dense logits.
     */
    public static SDVariable denseCrossEntropy(SameDiff sd, SDVariable logits, SDVariable oneHot, SDVariable weights) {
        SDVariable valid = sd.scalarMax(oneHot.sum(), 1.0);
        SDVariable perPixel = oneHot.mul(logSoftmax(sd, logits, 1));
        return (weights == null ? perPixel : perPixel.mul(weights)).sum().div(valid).neg();
    }

    /**
     * Pixel-wise KD: {@code T^2 * (1/N_valid) * sum over valid pixels of KL(softmax(t/T) || softmax(z/T))}, the
     * KL over the class axis of {@code [B,K,H,W]} logits; valid pixels are those with a one-hot label.
     */
    public static SDVariable pixelKl(SameDiff sd, SDVariable target, SDVariable logits, SDVariable oneHot,
                                     double temperature) {
        return pixelKl(sd, target, logits, oneHot, temperature, null);
    }

    /** As above with per-pixel weights {@code [B,1,H,W]} (null = 1), as ADM's L_co on dense logits. */
    public static SDVariable pixelKl(SameDiff sd, SDVariable target, SDVariable logits, SDVariable oneHot,
                                     double temperature, SDVariable weights) {
        Preconditions.checkArgument(temperature > 0, "temperature T must be positive, got %s", temperature);
        SDVariable logQ = logSoftmax(sd, target.div(temperature), 1);
        SDVariable logP = logSoftmax(sd, logits.div(temperature), 1);
        SDVariable kl = sd.math().exp(logQ).mul(logQ.sub(logP)).sum(true, 1);   // [B,1,H,W]
        SDVariable valid = oneHot.sum(true, 1);                                  // 1 on labelled pixels
        SDVariable weighted = weights == null ? kl.mul(valid) : kl.mul(valid).mul(weights);
        return weighted.sum().div(sd.scalarMax(valid.sum(), 1.0)).mul(temperature * temperature);
    }
}
