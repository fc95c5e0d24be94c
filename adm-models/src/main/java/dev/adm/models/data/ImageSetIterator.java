package dev.adm.models.data;

import com.google.common.base.Preconditions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A DL4J {@link DataSetIterator} over an {@link ImageSet}: NCHW float features scaled to [0,1] and
 * standardised with a fixed per-channel mean/std, one-hot labels. Shuffling and augmentation are seeded per epoch
 * ({@code seed}, epoch number), so epoch e looks the same in every run and after a resume.
 *
 * <p>Augmentation (training only, optional): zero-pad by {@code pad} pixels then random-crop back to the
 * original size, and flip horizontally with probability 1/2.
 */
public final class ImageSetIterator extends EpochIterator {
    private final ImageSet data;
    private final int pad;
    private final boolean flip;
    private final float[] mean;
    private final float[] std;

    private ImageSetIterator(Builder b) {
        super(b.data.size(), b.batchSize, b.shuffle, b.seed);
        this.data = b.data;
        this.pad = b.pad;
        this.flip = b.flip;
        Preconditions.checkArgument(b.mean.length == 1 || b.mean.length == b.data.channels(),
                "need 1 or %s mean/std values, got %s", b.data.channels(), b.mean.length);
        this.mean = new float[b.data.channels()];
        this.std = new float[b.data.channels()];
        for (int c = 0; c < mean.length; c++) {
            mean[c] = (float) b.mean[b.mean.length == 1 ? 0 : c];
            std[c] = (float) b.std[b.std.length == 1 ? 0 : c];
        }
    }

    public static Builder builder(ImageSet data, int batchSize) {
        return new Builder(data, batchSize);
    }

    @Override
    protected DataSet batch(EpochOrder order, int cursor, int n) {
        SplittableRandom augmentRandom = order.augmentation();
        int c = data.channels();
        int h = data.height();
        int w = data.width();
        float[] x = new float[n * c * h * w];
        float[] y = new float[n * data.numClasses()];
        for (int k = 0; k < n; k++) {
            int i = order.get(cursor + k);
            int dy = 0;
            int dx = 0;
            boolean mirror = false;
            if (pad > 0) {
                dy = augmentRandom.nextInt(2 * pad + 1) - pad;
                dx = augmentRandom.nextInt(2 * pad + 1) - pad;
            }
            if (flip) {
                mirror = augmentRandom.nextBoolean();
            }
            int base = k * c * h * w;
            for (int ch = 0; ch < c; ch++) {
                for (int r = 0; r < h; r++) {
                    int sr = r + dy;
                    for (int col = 0; col < w; col++) {
                        int sc = (mirror ? w - 1 - col : col) + dx;
                        float v = (sr < 0 || sr >= h || sc < 0 || sc >= w) ? 0f
                                : data.pixel(i, (ch * h + sr) * w + sc) / 255f;
                        x[base + (ch * h + r) * w + col] = (v - mean[ch]) / std[ch];
                    }
                }
            }
            y[k * data.numClasses() + data.label(i)] = 1f;
        }
        return new DataSet(Nd4j.create(x, new long[]{n, c, h, w}, DataType.FLOAT),
                Nd4j.create(y, new long[]{n, data.numClasses()}, DataType.FLOAT));
    }

    @Override
    public int inputColumns() {
        return data.imageSize();
    }

    @Override
    public int totalOutcomes() {
        return data.numClasses();
    }

    @Override
    public List<String> getLabels() {
        return Arrays.asList(FashionMnist.CLASS_NAMES).subList(0, Math.min(10, data.numClasses()));
    }

    /** Options; defaults: no shuffle, no augmentation, seed 0, Fashion-MNIST mean/std. */
    public static final class Builder {
        private final ImageSet data;
        private final int batchSize;
        private boolean shuffle;
        private int pad;
        private boolean flip;
        private long seed;
        private double[] mean = {FashionMnist.MEAN};
        private double[] std = {FashionMnist.STD};

        private Builder(ImageSet data, int batchSize) {
            Preconditions.checkArgument(data != null && data.size() > 0, "no images to iterate over");
            Preconditions.checkArgument(batchSize > 0, "batch size must be positive, got %s", batchSize);
            this.data = data;
            this.batchSize = batchSize;
        }

        public Builder shuffle(long seed) {
            this.shuffle = true;
            this.seed = seed;
            return this;
        }

        /** Pad-and-random-crop by {@code pad} pixels plus random horizontal flips. */
        public Builder augment(int pad) {
            Preconditions.checkArgument(pad >= 0, "pad must be >= 0, got %s", pad);
            this.pad = pad;
            this.flip = true;
            return this;
        }

        public Builder normalize(double mean, double std) {
            return normalize(new double[]{mean}, new double[]{std});
        }

        /** Per-channel standardisation {@code (x/255 - mean[c]) / std[c]}; one value applies to all channels. */
        public Builder normalize(double[] mean, double[] std) {
            Preconditions.checkArgument(mean.length == std.length && mean.length > 0,
                    "mean and std need the same, non-zero length");
            for (double s : std) {
                Preconditions.checkArgument(s > 0, "std must be positive, got %s", s);
            }
            this.mean = mean.clone();
            this.std = std.clone();
            return this;
        }

        public ImageSetIterator build() {
            return new ImageSetIterator(this);
        }
    }
}
