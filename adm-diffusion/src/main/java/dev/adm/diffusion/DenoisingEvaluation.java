package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Denoising MSE on held-out images at fixed steps, with fixed noise: {@code mean (eps_hat(x_t, t) - eps)^2} per
 * step. Predicting no noise scores 1 (the noise is standard normal), so a trained model must score below.
 */
public final class DenoisingEvaluation {
    private DenoisingEvaluation() {
    }

    /** The steps at fractions 0.1, 0.3, 0.5, 0.7, 0.9 of the schedule. */
    public static int[] defaultSteps(NoiseSchedule schedule) {
        return Arrays.stream(new double[]{0.1, 0.3, 0.5, 0.7, 0.9})
                .mapToInt(f -> (int) Math.round(f * (schedule.steps() - 1))).toArray();
    }

    /** Per step, the MSE over {@code images} held-out images (batches of 100, noise seeded by step). */
    public static Map<Integer, Double> mse(Samplers.NoiseModel model, DenoisingData data, int images, int[] steps,
                                           NoiseSchedule schedule, int embedding) {
        Preconditions.checkArgument(images >= 1 && images <= data.count(), "evaluate on 1..%s images, got %s",
                data.count(), images);
        Map<Integer, Double> out = new LinkedHashMap<>();
        for (int step : steps) {
            double sum = 0;
            long n = 0;
            for (int from = 0; from < images; from += 100) {
                int[] idx = new int[Math.min(100, images - from)];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = from + i;
                }
                int[] t = new int[idx.length];
                Arrays.fill(t, step);
                MultiDataSet b = data.batch(idx, t, schedule, embedding, 1_000_003L * step + from);
                INDArray err = model.predict(b.getFeatures(0), t).sub(b.getLabels(0));
                sum += err.mul(err).sumNumber().doubleValue();
                n += err.length();
            }
            out.put(step, sum / n);
        }
        return out;
    }
}
