package dev.adm.segmentation;

import com.google.common.base.Preconditions;
import dev.adm.models.data.EpochIterator;
import dev.adm.models.data.EpochOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A DL4J {@link DataSetIterator} over composed scenes {@code [first, first + count)}: features
 * {@code [B,1,S,S]} standardised, labels one-hot {@code [B,K,S,S]} (K = item classes + background). Scenes are
 * composed as batches are drawn; the order (optionally shuffled) and the horizontal flips (applied to image and
 * labels together) depend only on the seed and the epoch.
 */
public final class SceneIterator extends EpochIterator {
    private final SceneComposer scenes;
    private final long first;
    private final boolean flip;
    private final float mean;
    private final float std;

    private SceneIterator(Builder b) {
        super(b.count, b.batchSize, b.shuffle, b.seed);
        this.scenes = b.scenes;
        this.first = b.first;
        this.flip = b.flip;
        double[] stats = b.mean == null ? statistics(b.scenes, b.first, Math.min(b.count, 256)) : new double[]{b.mean, b.std};
        this.mean = (float) stats[0];
        this.std = (float) stats[1];
    }

    /** Scenes {@code [first, first + count)} of {@code scenes}, in batches of {@code batchSize}. */
    public static Builder builder(SceneComposer scenes, long first, int count, int batchSize) {
        return new Builder(scenes, first, count, batchSize);
    }

    /** Mean and standard deviation of the pixel values (0..1) of {@code n} scenes from {@code first}. */
    static double[] statistics(SceneComposer scenes, long first, int n) {
        double sum = 0;
        double squares = 0;
        long pixels = 0;
        for (int i = 0; i < n; i++) {
            for (byte p : scenes.scene(first + i).pixels()) {
                double v = (p & 0xFF) / 255.0;
                sum += v;
                squares += v * v;
                pixels++;
            }
        }
        double m = sum / pixels;
        return new double[]{m, Math.sqrt(Math.max(squares / pixels - m * m, 1e-12))};
    }

    public double mean() {
        return mean;
    }

    public double std() {
        return std;
    }

    @Override
    protected DataSet batch(EpochOrder order, int cursor, int n) {
        int s = scenes.canvas();
        int k = scenes.numClasses();
        float[] x = new float[n * s * s];
        float[] y = new float[n * k * s * s];
        SplittableRandom rnd = order.augmentation();
        for (int b = 0; b < n; b++) {
            SceneComposer.Scene scene = scenes.scene(first + order.get(cursor + b));
            boolean mirror = flip && rnd.nextBoolean();
            for (int r = 0; r < s; r++) {
                for (int c = 0; c < s; c++) {
                    int src = r * s + (mirror ? s - 1 - c : c);
                    x[(b * s + r) * s + c] = ((scene.pixels()[src] & 0xFF) / 255f - mean) / std;
                    y[((b * k + scene.labels()[src]) * s + r) * s + c] = 1f;
                }
            }
        }
        return new DataSet(Nd4j.create(x, new long[]{n, 1, s, s}, DataType.FLOAT),
                Nd4j.create(y, new long[]{n, k, s, s}, DataType.FLOAT));
    }

    @Override
    public int inputColumns() {
        return scenes.canvas() * scenes.canvas();
    }

    @Override
    public int totalOutcomes() {
        return scenes.numClasses();
    }

    @Override
    public List<String> getLabels() {
        return IntStream.range(0, scenes.numClasses())
                .mapToObj(c -> c == SceneComposer.BACKGROUND ? "background" : "class " + (c - 1)).toList();
    }

    /** Options; defaults: in order, no flips, seed 0, statistics of the first 256 scenes of the range. */
    public static final class Builder {
        private final SceneComposer scenes;
        private final long first;
        private final int count;
        private final int batchSize;
        private boolean shuffle;
        private boolean flip;
        private long seed;
        private Double mean;
        private double std;

        private Builder(SceneComposer scenes, long first, int count, int batchSize) {
            Preconditions.checkArgument(scenes != null, "scenes");
            Preconditions.checkArgument(first >= 0 && count >= 1 && batchSize >= 1, "need first >= 0, count >= 1 and "
                    + "batch size >= 1, got %s, %s, %s", first, count, batchSize);
            this.scenes = scenes;
            this.first = first;
            this.count = count;
            this.batchSize = batchSize;
        }

        public Builder shuffle(long seed) {
            this.shuffle = true;
            this.seed = seed;
            return this;
        }

        /** Random horizontal flips of image and labels together. */
        public Builder flip(boolean enabled) {
            this.flip = enabled;
            return this;
        }

        /** Standardise with these statistics (e.g. the training range's, for the test range). */
        public Builder normalize(double mean, double std) {
            Preconditions.checkArgument(std > 0, "std must be > 0, got %s", std);
            this.mean = mean;
            this.std = std;
            return this;
        }

        public SceneIterator build() {
            return new SceneIterator(this);
        }
    }
}
