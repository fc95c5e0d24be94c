package dev.adm.models.data;

import com.google.common.base.Preconditions;

import java.util.Arrays;

/**
 * Labelled images held as unsigned bytes, NCHW per image: {@code count x channels x height x width}.
 * Immutable; slicing shares nothing mutable.
 */
public final class ImageSet {
    private final byte[] pixels;
    private final int[] labels;
    private final int channels;
    private final int height;
    private final int width;
    private final int numClasses;

    public ImageSet(byte[] pixels, int[] labels, int channels, int height, int width, int numClasses) {
        Preconditions.checkArgument(channels > 0 && height > 0 && width > 0, "bad image size %sx%sx%s", channels,
                height, width);
        Preconditions.checkArgument(pixels.length == (long) labels.length * channels * height * width,
                "%s pixel bytes do not hold %s images of %sx%sx%s", pixels.length, labels.length, channels, height,
                width);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new DataFormatException("label " + labels[i] + " of image " + i + " is outside 0.."
                        + (numClasses - 1));
            }
        }
        this.pixels = pixels;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.numClasses = numClasses;
    }

    public int size() {
        return labels.length;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public int numClasses() {
        return numClasses;
    }

    public int label(int i) {
        return labels[i];
    }

    /** Pixel value 0..255 of image i at flat position p within the image. */
    public int pixel(int i, int p) {
        return pixels[i * imageSize() + p] & 0xFF;
    }

    public int imageSize() {
        return channels * height * width;
    }

    /** Images [from, to). */
    public ImageSet slice(int from, int to) {
        Preconditions.checkArgument(0 <= from && from < to && to <= size(), "bad slice [%s,%s) of %s", from, to, size());
        int n = imageSize();
        return new ImageSet(Arrays.copyOfRange(pixels, from * n, to * n), Arrays.copyOfRange(labels, from, to),
                channels, height, width, numClasses);
    }
}
