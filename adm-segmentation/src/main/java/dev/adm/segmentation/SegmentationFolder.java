package dev.adm.segmentation;

import com.google.common.base.Preconditions;
import dev.adm.models.data.DataFormatException;
import dev.adm.models.data.ImageFolderReader;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads a segmentation dataset from folders: {@code <split>/images/} (PNG, JPEG, BMP) and {@code <split>/labels/}
 * (PNG), an image and its label matched by file stem (Cityscapes' {@code _leftImg8bit} and
 * {@code _gtFine_labelTrainIds} suffixes are dropped before matching). Label PNGs hold class indices: grey values
 * (Cityscapes trainIds, CamVid) or palette indices (Pascal VOC); an RGB VOC label is mapped through the VOC
 * palette. Images are resized bilinearly and labels by nearest neighbour to {@code height x width}; the format's
 * ignore value becomes {@link #IGNORE}. An image and label of different sizes, or a label value that is neither a
 * class nor the ignore value, is an error naming the file and the value.
 */
public final class SegmentationFolder {
    /** The label value of ignored pixels in a {@link Split}. */
    public static final int IGNORE = 255;
    private static final List<String> IMAGE_EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp");

    /** A dataset convention: number of classes and the label value of ignored pixels. */
    public enum Format {
        /** Cityscapes {@code *_gtFine_labelTrainIds.png}: 19 classes, 255 ignored. */
        CITYSCAPES(19, 255),
        /** CamVid as in SegNet: 11 classes, 11 (void) ignored. */
        CAMVID(11, 11),
        /** Pascal VOC {@code SegmentationClass}: 21 classes (background included), 255 (object borders) ignored. */
        VOC(21, 255);

        final int classes;
        final int ignore;

        Format(int classes, int ignore) {
            this.classes = classes;
            this.ignore = ignore;
        }

        public int classes() {
            return classes;
        }

        public static Format parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("unknown segmentation folder format '" + name + "'; use cityscapes, "
                        + "camvid or voc");
            }
        }
    }

    /**
     * Decoded images and labels, all {@code height x width}.
     *
     * @param pixels RGB planes, {@code [n,3,h,w]} bytes
     * @param labels class per pixel, {@code [n,h,w]}, {@link #IGNORE} for ignored pixels
     */
    public record Split(int size, int height, int width, int numClasses, byte[] pixels, byte[] labels,
                        List<String> names) {
        public int label(int index, int y, int x) {
            return labels[(index * height + y) * width + x] & 0xFF;
        }
    }

    private SegmentationFolder() {
    }

    /** Reads {@code dir/images} and {@code dir/labels}. */
    public static Split read(Path dir, Format format, int height, int width) {
        Preconditions.checkArgument(height > 0 && width > 0, "size must be positive, got %sx%s", height, width);
        Path imageDir = dir.resolve("images");
        Path labelDir = dir.resolve("labels");
        if (!Files.isDirectory(imageDir) || !Files.isDirectory(labelDir)) {
            throw new DataFormatException(dir + " must hold images/ and labels/ folders (a segmentation split)");
        }
        Map<String, Path> labels = new LinkedHashMap<>();
        for (Path p : list(labelDir, List.of(".png"))) {
            labels.put(stem(p), p);
        }
        List<Path> images = list(imageDir, IMAGE_EXTENSIONS);
        if (images.isEmpty()) {
            throw new DataFormatException(imageDir + " holds no images " + IMAGE_EXTENSIONS);
        }
        int n = images.size();
        int plane = height * width;
        byte[] pixels = new byte[Math.toIntExact((long) n * 3 * plane)];
        byte[] classes = new byte[Math.toIntExact((long) n * plane)];
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path imageFile = images.get(i);
            Path labelFile = labels.get(stem(imageFile));
            if (labelFile == null) {
                throw new DataFormatException("image " + imageFile + " has no label " + labelDir.resolve(stem(imageFile)
                        + ".png") + "; every image needs a label PNG of the same name");
            }
            BufferedImage image = ImageFolderReader.decode(imageFile);
            BufferedImage label = ImageFolderReader.decode(labelFile);
            if (image.getWidth() != label.getWidth() || image.getHeight() != label.getHeight()) {
                throw new DataFormatException("image " + imageFile + " is " + image.getWidth() + "x" + image.getHeight()
                        + " but its label " + labelFile + " is " + label.getWidth() + "x" + label.getHeight()
                        + "; an image and its label must have the same size");
            }
            ImageFolderReader.writeRgbPlanes(image, height, width, pixels, i * 3 * plane);
            writeLabels(label, labelFile, format, height, width, classes, i * plane);
            names.add(stem(imageFile));
        }
        return new Split(n, height, width, format.classes, pixels, classes, List.copyOf(names));
    }

    /** Nearest-neighbour resize of the class indices (PyTorch's rule: source pixel {@code floor(dst * in / out)}). */
    private static void writeLabels(BufferedImage label, Path file, Format format, int height, int width, byte[] dst,
                                    int offset) {
        int h = label.getHeight();
        int w = label.getWidth();
        int[] values = classIndices(label, file, format);
        for (int y = 0; y < height; y++) {
            int sy = (int) ((long) y * h / height);
            for (int x = 0; x < width; x++) {
                int sx = (int) ((long) x * w / width);
                int v = values[sy * w + sx];
                int out;
                if (v == format.ignore) {
                    out = IGNORE;
                } else if (v >= 0 && v < format.classes) {
                    out = v;
                } else {
                    throw new DataFormatException("label " + file + " has value " + v + " at (" + sx + "," + sy
                            + "), neither a class of " + format.name().toLowerCase(Locale.ROOT) + " (0.."
                            + (format.classes - 1) + ") nor its ignore value " + format.ignore
                            + "; check the label format (--data-format)");
                }
                dst[offset + y * width + x] = (byte) out;
            }
        }
    }

    /** Per source pixel, the class index the label image encodes. */
    private static int[] classIndices(BufferedImage label, Path file, Format format) {
        int h = label.getHeight();
        int w = label.getWidth();
        int[] out = new int[h * w];
        Raster raster = label.getRaster();
        boolean indexed = label.getColorModel() instanceof IndexColorModel;
        if (indexed || raster.getNumBands() == 1) {
            raster.getSamples(0, 0, w, h, 0, out);
            return out;
        }
        if (format != Format.VOC) {
            throw new DataFormatException("label " + file + " is a colour image; " + format.name().toLowerCase(Locale.ROOT)
                    + " labels must be greyscale class indices (e.g. Cityscapes *_labelTrainIds.png)");
        }
        Map<Integer, Integer> palette = vocPalette();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = label.getRGB(x, y) & 0xFFFFFF;
                Integer c = palette.get(rgb);
                if (c == null) {
                    throw new DataFormatException(String.format(Locale.ROOT, "label %s has colour #%06x at (%d,%d), "
                            + "which is not in the Pascal VOC palette", file, rgb, x, y));
                }
                out[y * w + x] = c;
            }
        }
        return out;
    }

    /** The Pascal VOC colour map: class i's colour from the bits of i; 255 (borders) is (224, 224, 192). */
    static Map<Integer, Integer> vocPalette() {
        Map<Integer, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < 256; i++) {
            int r = 0, g = 0, b = 0, c = i;
            for (int j = 0; j < 8; j++) {
                r |= ((c >> 0) & 1) << (7 - j);
                g |= ((c >> 1) & 1) << (7 - j);
                b |= ((c >> 2) & 1) << (7 - j);
                c >>= 3;
            }
            if (i < Format.VOC.classes || i == Format.VOC.ignore) {
                m.put((r << 16) | (g << 8) | b, i);
            }
        }
        return m;
    }

    private static List<Path> list(Path dir, List<String> extensions) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> extensions.stream().anyMatch(
                    e -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(e))).sorted().toList();
        } catch (IOException e) {
            throw new DataFormatException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String stem(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        for (String suffix : List.of("_leftImg8bit", "_gtFine_labelTrainIds")) {
            if (stem.endsWith(suffix)) {
                stem = stem.substring(0, stem.length() - suffix.length());
            }
        }
        return stem;
    }
}
