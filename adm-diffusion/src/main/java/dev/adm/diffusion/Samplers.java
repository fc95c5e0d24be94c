package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import dev.adm.core.backend.Seeds;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;

/**
 * Samplers from an epsilon-predicting model: DDPM's ancestral sampler (Ho et al., 2020; variance
 * {@code beta_t}) over every step, and DDIM's deterministic one (Song et al., 2021; eta = 0) over a subset of
 * steps. Both start from {@code N(0, I)} drawn with ND4J's generator seeded by {@code seed} and return images
 * clipped to {@code [-1, 1]}.
 *
 * <p>Both clip each step's prediction of {@code x_0} to the data range and continue from the clipped value, as
 * the reference implementations do: DDPM through the posterior mean of {@code q(x_{t-1} | x_t, x_0)} (Ho et al.'s
 * {@code clip_denoised}), DDIM with the noise recomputed from the clipped {@code x_0} (diffusers'
 * {@code use_clipped_model_output}). Why: a network whose noise estimate is a little too large at high {@code t}
 * (1.2x for the 500-step teacher of docs/diffusion.md) otherwise feeds that excess back into {@code x_t} step after
 * step; the unclipped forms turned that network's samples into saturated noise, the clipped ones into clothes. With an
 * exact noise predictor and data inside {@code [-1, 1]} the two forms are the same.
 */
public final class Samplers {
    /** Predicts the noise {@code eps} of {@code x_t} at steps {@code t} (one per sample). */
    @FunctionalInterface
    public interface NoiseModel {
        INDArray predict(INDArray xt, int[] t);
    }

    private Samplers() {
    }

    /** A {@link UNet} (inference mode) as a noise model. */
    public static NoiseModel of(ComputationGraph unet, int embedding) {
        return (xt, t) -> unet.output(false, xt, TimestepEmbedding.of(t, embedding, xt.dataType()))[0];
    }

    /** DDPM ancestral sampling through all {@code T} steps. */
    public static INDArray ddpm(NoiseModel model, NoiseSchedule schedule, long[] shape, long seed) {
        Seeds.restart(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, shape);
        int[] t = new int[(int) shape[0]];
        for (int step = schedule.steps() - 1; step >= 0; step--) {
            Arrays.fill(t, step);
            double beta = schedule.beta(step);
            double ab = schedule.alphaBar(step);
            double abPrev = step > 0 ? schedule.alphaBar(step - 1) : 1.0;
            INDArray x0 = clippedX0(x, model.predict(x, t), ab);
            // posterior mean: sqrt(abPrev) beta / (1 - ab) x0 + sqrt(1 - beta) (1 - abPrev) / (1 - ab) x_t
            INDArray fromXt = x.mul(Math.sqrt(1 - beta) * (1 - abPrev) / (1 - ab));
            x = x0.muli(Math.sqrt(abPrev) * beta / (1 - ab)).addi(fromXt);
            if (step > 0) {
                x.addi(Nd4j.randn(DataType.FLOAT, shape).muli(Math.sqrt(beta)));
            }
        }
        return clip(x);
    }

    /** DDIM (eta = 0) over {@code steps} evenly spaced steps from {@code T-1} down to 0. */
    public static INDArray ddim(NoiseModel model, NoiseSchedule schedule, long[] shape, int steps, long seed) {
        Preconditions.checkArgument(steps >= 1 && steps <= schedule.steps(), "sampling steps must be 1..%s, got %s",
                schedule.steps(), steps);
        Seeds.restart(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, shape);
        int[] taus = timesteps(schedule.steps(), steps);
        int[] t = new int[(int) shape[0]];
        for (int i = taus.length - 1; i >= 0; i--) {
            Arrays.fill(t, taus[i]);
            double ab = schedule.alphaBar(taus[i]);
            double abPrev = i > 0 ? schedule.alphaBar(taus[i - 1]) : 1.0;
            INDArray x0 = clippedX0(x, model.predict(x, t), ab);
            INDArray eps = x.sub(x0.mul(Math.sqrt(ab))).divi(Math.sqrt(1 - ab)); // the noise the clipped x0 implies
            x = x0.muli(Math.sqrt(abPrev)).addi(eps.muli(Math.sqrt(1 - abPrev)));
        }
        return clip(x);
    }

    /** {@code (x_t - sqrt(1 - ab) eps) / sqrt(ab)}, clipped to {@code [-1, 1]}. */
    private static INDArray clippedX0(INDArray xt, INDArray eps, double ab) {
        return clip(xt.sub(eps.mul(Math.sqrt(1 - ab))).divi(Math.sqrt(ab)));
    }

    /** Clipped to the data range {@code [-1, 1]}, in place. */
    private static INDArray clip(INDArray x) {
        return Transforms.max(Transforms.min(x, 1.0, false), -1.0, false);
    }

    /** {@code steps} steps spread evenly over {@code 0..T-1}, ascending, the first 0 and the last {@code T-1}. */
    static int[] timesteps(int total, int steps) {
        int[] taus = new int[steps];
        for (int i = 0; i < steps; i++) {
            taus[i] = steps == 1 ? total - 1 : (int) Math.round((double) i * (total - 1) / (steps - 1));
        }
        return taus;
    }
}
