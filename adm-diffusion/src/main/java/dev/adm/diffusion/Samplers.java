package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;

/**
 * Samplers from an epsilon-predicting model: DDPM's ancestral sampler (Ho et al., 2020; variance
 * {@code beta_t}) over every step, and DDIM's deterministic one (Song et al., 2021; eta = 0) over a subset of
 * steps, with its {@code x_0} predictions clipped to the data range {@code [-1, 1]} (as DDIM's and diffusers'
 * default). Both start from {@code N(0, I)} drawn with ND4J's generator seeded by {@code seed} and return images
 * clipped to {@code [-1, 1]}.
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
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, shape);
        int[] t = new int[(int) shape[0]];
        for (int step = schedule.steps() - 1; step >= 0; step--) {
            Arrays.fill(t, step);
            INDArray eps = model.predict(x, t);
            double beta = schedule.beta(step);
            double scale = beta / Math.sqrt(1 - schedule.alphaBar(step));
            x = x.sub(eps.mul(scale)).divi(Math.sqrt(1 - beta));
            if (step > 0) {
                x.addi(Nd4j.randn(DataType.FLOAT, shape).muli(Math.sqrt(beta)));
            }
        }
        return Transforms.max(Transforms.min(x, 1.0, false), -1.0, false);
    }

    /** DDIM (eta = 0) over {@code steps} evenly spaced steps from {@code T-1} down to 0. */
    public static INDArray ddim(NoiseModel model, NoiseSchedule schedule, long[] shape, int steps, long seed) {
        Preconditions.checkArgument(steps >= 1 && steps <= schedule.steps(), "sampling steps must be 1..%s, got %s",
                schedule.steps(), steps);
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, shape);
        int[] taus = timesteps(schedule.steps(), steps);
        int[] t = new int[(int) shape[0]];
        for (int i = taus.length - 1; i >= 0; i--) {
            Arrays.fill(t, taus[i]);
            INDArray eps = model.predict(x, t);
            double ab = schedule.alphaBar(taus[i]);
            double abPrev = i > 0 ? schedule.alphaBar(taus[i - 1]) : 1.0;
            INDArray x0 = x.sub(eps.mul(Math.sqrt(1 - ab))).divi(Math.sqrt(ab));
            x0 = Transforms.max(Transforms.min(x0, 1.0, false), -1.0, false);
            x = x0.mul(Math.sqrt(abPrev)).addi(eps.mul(Math.sqrt(1 - abPrev)));
        }
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
