package dev.adm.models.run;

import com.google.common.base.Preconditions;
import org.apache.commons.math3.distribution.TDistribution;

import java.util.Arrays;

/**
 * The paired comparison of two variants over the same seeds: the per-seed differences {@code a - b} (same
 * initialisation and data order, so what differs is the method), their mean, sample standard deviation, and the
 * two-sided 95% confidence interval of the mean difference from Student's t with {@code n - 1} degrees of freedom.
 * With one seed the spread is unknown and the interval is NaN.
 *
 * <pre>{@code
 * PairedDifference d = PairedDifference.of(new double[]{0.86, 0.87}, new double[]{0.85, 0.85});
 * d.mean(); // 0.015
 * }</pre>
 */
public record PairedDifference(double[] differences) {
    public PairedDifference {
        Preconditions.checkArgument(differences.length >= 1, "a paired difference needs at least one seed");
        differences = differences.clone();
    }

    /** The differences {@code a[i] - b[i]} of two variants' scores on the same seeds, in seed order. */
    public static PairedDifference of(double[] a, double[] b) {
        Preconditions.checkArgument(a.length == b.length, "paired scores need the same seeds: %s against %s values",
                a.length, b.length);
        double[] d = new double[a.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = a[i] - b[i];
        }
        return new PairedDifference(d);
    }

    @Override
    public double[] differences() {
        return differences.clone();
    }

    public int seeds() {
        return differences.length;
    }

    public double mean() {
        return Arrays.stream(differences).average().orElseThrow();
    }

    /** Sample standard deviation of the differences (n - 1); NaN for one seed. */
    public double std() {
        if (differences.length < 2) {
            return Double.NaN;
        }
        double m = mean();
        return Math.sqrt(Arrays.stream(differences).map(d -> (d - m) * (d - m)).sum() / (differences.length - 1));
    }

    /** Half the width of the 95% confidence interval of the mean difference; NaN for one seed. */
    public double halfWidth95() {
        if (differences.length < 2) {
            return Double.NaN;
        }
        double t = new TDistribution(null, differences.length - 1).inverseCumulativeProbability(0.975);
        return t * std() / Math.sqrt(differences.length);
    }

    public double low95() {
        return mean() - halfWidth95();
    }

    public double high95() {
        return mean() + halfWidth95();
    }

    /** Whether the 95% interval lies wholly above 0 (+1), wholly below (-1), or contains 0 or is unknown (0). */
    public int sign95() {
        if (Double.isNaN(halfWidth95())) {
            return 0;
        }
        return low95() > 0 ? 1 : high95() < 0 ? -1 : 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PairedDifference p && Arrays.equals(differences, p.differences);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(differences);
    }

    @Override
    public String toString() {
        return "PairedDifference" + Arrays.toString(differences);
    }
}
