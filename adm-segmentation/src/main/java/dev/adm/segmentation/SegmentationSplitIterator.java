package dev.adm.segmentation;

import com.google.common.base.Preconditions;
import dev.adm.models.data.EpochIterator;
import dev.adm.models.data.EpochOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A DL4J iterator over a {@link SegmentationFolder.Split}: RGB images standardised per channel {@code [B,3,H,W]}
 * and one-hot labels {@code [B,K,H,W]} (ignored pixels all zero), optionally flipped horizontally, image and labels
 * together.
 */
public final class SegmentationSplitIterator extends EpochIterator {
    private final SegmentationFolder.Split split;
    private final boolean flip;
    private final float[] mean;
    private final float[] std;

    private SegmentationSplitIterator(Builder b) {
        super(b.split.size(), b.batchSize, b.shuffle, b.seed);
        this.split = b.split;
        this.flip = b.flip;
        double[][] stats = b.mean != null ? new double[][]{b.mean, b.std} : channelStatistics(b.split);
        this.mean = toFloat(stats[0]);
        this.std = toFloat(stats[1]);
    }

    public static Builder builder(SegmentationFolder.Split split, int batchSize) {
        return new Builder(split, batchSize);
    }

    /** Per-channel mean and standard deviation of the pixel values (0..1). */
    static double[][] channelStatistics(SegmentationFolder.Split split) {
        int plane = split.height() * split.width();
        double[] mean = new double[3];
        double[] std = new double[3];
        for (int c = 0; c < 3; c++) {
            double sum = 0;
            double squares = 0;
            for (int i = 0; i < split.size(); i++) {
                int base = (i * 3 + c) * plane;
                for (int p = 0; p < plane; p++) {
                    double v = (split.pixels()[base + p] & 0xFF) / 255.0;
                    sum += v;
                    squares += v * v;
                }
            }
            double n = (double) split.size() * plane;
            mean[c] = sum / n;
            std[c] = Math.sqrt(Math.max(squares / n - mean[c] * mean[c], 1e-12));
        }
        return new double[][]{mean, std};
    }

    public double[] mean() {
        return new double[]{mean[0], mean[1], mean[2]};
    }

    public double[] std() {
        return new double[]{std[0], std[1], std[2]};
    }

    @Override
    protected DataSet batch(EpochOrder order, int from, int n) {
        int h = split.height();
        int w = split.width();
        int k = split.numClasses();
        int plane = h * w;
        float[] x = new float[n * 3 * plane];
        float[] y = new float[n * k * plane];
        SplittableRandom rnd = order.augmentation();
        for (int b = 0; b < n; b++) {
            int index = order.get(from + b);
            boolean mirror = flip && rnd.nextBoolean();
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    int src = r * w + (mirror ? w - 1 - c : c);
                    int dst = r * w + c;
                    for (int ch = 0; ch < 3; ch++) {
                        int v = split.pixels()[(index * 3 + ch) * plane + src] & 0xFF;
                        x[(b * 3 + ch) * plane + dst] = (v / 255f - mean[ch]) / std[ch];
                    }
                    int label = split.labels()[index * plane + src] & 0xFF;
                    if (label != SegmentationFolder.IGNORE) {
                        y[(b * k + label) * plane + dst] = 1f;
                    }
                }
            }
        }
        return new DataSet(Nd4j.create(x, new long[]{n, 3, h, w}, DataType.FLOAT),
                Nd4j.create(y, new long[]{n, k, h, w}, DataType.FLOAT));
    }

    @Override
    public int inputColumns() {
        return 3 * split.height() * split.width();
    }

    @Override
    public int totalOutcomes() {
        return split.numClasses();
    }

    @Override
    public List<String> getLabels() {
        return null;
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    public static final class Builder {
        private final SegmentationFolder.Split split;
        private final int batchSize;
        private boolean shuffle;
        private long seed;
        private boolean flip;
        private double[] mean;
        private double[] std;

        private Builder(SegmentationFolder.Split split, int batchSize) {
            Preconditions.checkArgument(split != null && split.size() > 0, "a segmentation split with images is needed");
            Preconditions.checkArgument(batchSize >= 1, "batch size must be >= 1, got %s", batchSize);
            this.split = split;
            this.batchSize = batchSize;
        }

        public Builder shuffle(long seed) {
            this.shuffle = true;
            this.seed = seed;
            return this;
        }

        public Builder flip(boolean enabled) {
            this.flip = enabled;
            return this;
        }

        /** Standardise with these per-channel statistics (the training split's) instead of this split's. */
        public Builder normalize(double[] mean, double[] std) {
            Preconditions.checkArgument(mean.length == 3 && std.length == 3, "three channel means and stds needed");
            this.mean = mean.clone();
            this.std = std.clone();
            return this;
        }

        public SegmentationSplitIterator build() {
            return new SegmentationSplitIterator(this);
        }
    }
}
