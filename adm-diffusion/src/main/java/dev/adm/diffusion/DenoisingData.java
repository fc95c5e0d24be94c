package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import dev.adm.core.backend.Seeds;
import dev.adm.models.data.ImageSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/**
 * Denoising examples from an image set: images scaled to {@code [-1, 1]} (optionally average-pooled by an integer
 * factor, e.g. 28 -> 14, then padded with background to a multiple of 4, 14 -> 16, so that a three-level U-Net
 * halves it twice), a step {@code t} and noise {@code eps} per image drawn from a seeded generator, and the
 * network's inputs {@code (x_t, embedding(t))} with target {@code eps} as a DL4J {@link MultiDataSet}.
 */
public final class DenoisingData {
    private final ImageSet images;
    private final int factor;
    private final int size;
    private final int pooled;
    private final int pad;

    /** @param factor average-pooling factor of the images (1 = native size); must divide their size */
    public DenoisingData(ImageSet images, int factor) {
        Preconditions.checkArgument(images.size() > 0, "no images");
        Preconditions.checkArgument(images.height() == images.width(), "square images expected, got %sx%s",
                images.height(), images.width());
        Preconditions.checkArgument(factor >= 1 && images.height() % factor == 0, "downsampling factor %s must "
                + "divide the image size %s", factor, images.height());
        this.images = images;
        this.factor = factor;
        this.pooled = images.height() / factor;
        this.size = (pooled + 3) / 4 * 4;
        this.pad = (size - pooled) / 2;
    }

    public int size() {
        return size;
    }

    public int count() {
        return images.size();
    }

    public int channels() {
        return images.channels();
    }

    /** The class of image {@code i} (for the FID classifier). */
    public int label(int i) {
        return images.label(i);
    }

    public int numClasses() {
        return images.numClasses();
    }

    /** Images {@code [n,C,s,s]} in {@code [-1, 1]}, at the given indices. */
    public INDArray clean(int[] indices) {
        int c = images.channels();
        int h = images.height();
        float[] out = new float[indices.length * c * size * size];
        java.util.Arrays.fill(out, -1f); // the padding: Fashion-MNIST's black background
        float norm = 1f / (factor * factor);
        for (int n = 0; n < indices.length; n++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < pooled; y++) {
                    for (int x = 0; x < pooled; x++) {
                        float sum = 0;
                        for (int dy = 0; dy < factor; dy++) {
                            for (int dx = 0; dx < factor; dx++) {
                                sum += images.pixel(indices[n], (ch * h + y * factor + dy) * h + x * factor + dx);
                            }
                        }
                        out[((n * c + ch) * size + y + pad) * size + x + pad] = sum * norm / 127.5f - 1f;
                    }
                }
            }
        }
        return Nd4j.create(out, new long[]{indices.length, c, size, size}, DataType.FLOAT);
    }

    /** A training batch: random steps and noise from {@code rnd}, inputs {@code [x_t, embedding]}, target eps. */
    public MultiDataSet batch(int[] indices, NoiseSchedule schedule, int embedding, SplittableRandom rnd) {
        int[] t = new int[indices.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = rnd.nextInt(schedule.steps());
        }
        return batch(indices, t, schedule, embedding, rnd.nextLong());
    }

    /** A batch at given steps, with noise drawn from a generator seeded by {@code noiseSeed}. */
    public MultiDataSet batch(int[] indices, int[] t, NoiseSchedule schedule, int embedding, long noiseSeed) {
        INDArray x0 = clean(indices);
        Seeds.restart(noiseSeed);
        INDArray eps = Nd4j.randn(DataType.FLOAT, x0.shape());
        INDArray xt = schedule.addNoise(x0, t, eps);
        return new MultiDataSet(new INDArray[]{xt, TimestepEmbedding.of(t, embedding, DataType.FLOAT)},
                new INDArray[]{eps});
    }
}
