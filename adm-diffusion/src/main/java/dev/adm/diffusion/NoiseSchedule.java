package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Locale;

/**
 * A DDPM noise schedule over {@code T} steps (Ho et al., 2020): {@code beta_t}, {@code alpha_t = 1 - beta_t} and
 * {@code alphaBar_t = prod_{s<=t} alpha_s}, steps indexed {@code 0..T-1}. {@code linear}: betas from 1e-4 to 0.02
 * (scaled by 1000/T); {@code cosine} (Nichol and Dhariwal, 2021): {@code alphaBar_t = f(t+1)/f(0)},
 * {@code f(t) = cos((t/T + s)/(1 + s) * pi/2)^2}, s = 0.008, betas clipped at 0.999.
 */
public final class NoiseSchedule {
    /** The two schedules. */
    public enum Kind { LINEAR, COSINE }

    private final Kind kind;
    private final double[] betas;
    private final double[] alphaBars;

    private NoiseSchedule(Kind kind, double[] betas) {
        this.kind = kind;
        this.betas = betas;
        this.alphaBars = new double[betas.length];
        double product = 1;
        for (int t = 0; t < betas.length; t++) {
            product *= 1 - betas[t];
            alphaBars[t] = product;
        }
    }

    public static NoiseSchedule of(Kind kind, int steps) {
        Preconditions.checkArgument(steps >= 2 && steps <= 100_000, "diffusion steps must be 2..100000, got %s", steps);
        double[] betas = new double[steps];
        if (kind == Kind.LINEAR) {
            double scale = 1000.0 / steps;
            for (int t = 0; t < steps; t++) {
                betas[t] = scale * (1e-4 + (0.02 - 1e-4) * t / (steps - 1));
            }
        } else {
            double s = 0.008;
            for (int t = 0; t < steps; t++) {
                double f0 = Math.pow(Math.cos(((double) t / steps + s) / (1 + s) * Math.PI / 2), 2);
                double f1 = Math.pow(Math.cos(((double) (t + 1) / steps + s) / (1 + s) * Math.PI / 2), 2);
                betas[t] = Math.min(1 - f1 / f0, 0.999);
            }
        }
        return new NoiseSchedule(kind, betas);
    }

    /** "linear" or "cosine". */
    public static NoiseSchedule parse(String kind, int steps) {
        try {
            return of(Kind.valueOf(kind.trim().toUpperCase(Locale.ROOT)), steps);
        } catch (IllegalArgumentException | NullPointerException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("diffusion steps")) {
                throw e;
            }
            throw new IllegalArgumentException("unknown noise schedule '" + kind + "'; use linear or cosine");
        }
    }

    public Kind kind() {
        return kind;
    }

    public int steps() {
        return betas.length;
    }

    public double beta(int t) {
        return betas[t];
    }

    public double alphaBar(int t) {
        return alphaBars[t];
    }

    /**
     * The forward process {@code x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps}, per sample.
     *
     * @param x0    clean images {@code [B,C,H,W]}
     * @param t     a step per sample
     * @param noise {@code eps}, the shape of {@code x0}
     */
    public INDArray addNoise(INDArray x0, int[] t, INDArray noise) {
        Preconditions.checkArgument(t.length == x0.size(0), "one step per sample: %s steps for %s images", t.length,
                x0.size(0));
        Preconditions.checkArgument(java.util.Arrays.equals(x0.shape(), noise.shape()), "noise %s must match the "
                + "images %s", java.util.Arrays.toString(noise.shape()), java.util.Arrays.toString(x0.shape()));
        double[] a = new double[t.length];
        double[] b = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            Preconditions.checkArgument(t[i] >= 0 && t[i] < steps(), "step %s is outside 0..%s", t[i], steps() - 1);
            a[i] = Math.sqrt(alphaBars[t[i]]);
            b[i] = Math.sqrt(1 - alphaBars[t[i]]);
        }
        DataType type = x0.dataType();
        long[] column = {t.length, 1, 1, 1};
        INDArray ca = Nd4j.create(a, column, DataType.DOUBLE).castTo(type);
        INDArray cb = Nd4j.create(b, column, DataType.DOUBLE).castTo(type);
        return x0.mul(ca).addi(noise.mul(cb));
    }
}
