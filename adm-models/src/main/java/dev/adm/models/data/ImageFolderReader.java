package dev.adm.models.data;

import com.google.common.base.Preconditions;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads an ImageNet-style folder: one sub-folder per class (classes sorted by name), images inside
 * (PNG, JPEG, BMP, GIF). Every image is converted to RGB and resized (bilinear) to {@code size x size}.
 */
public final class ImageFolderReader {
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    private ImageFolderReader() {
    }

    /** The images and, in the same order, the class names (index = label). */
    public record Folder(ImageSet images, List<String> classes) {
    }

    public static Folder read(Path root, int size) {
        Preconditions.checkArgument(size > 0, "image size must be positive, got %s", size);
        DataDirectories.require(root, "one sub-folder of images per class");
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new DataFormatException("cannot list " + root + ": " + e.getMessage(), e);
        }
        if (classDirs.size() < 2) {
            throw new DataFormatException(root + " has " + classDirs.size() + " class folder(s); an image folder "
                    + "needs one sub-folder per class, at least two");
        }
        List<String> classes = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path dir : classDirs) {
            List<Path> images;
            try (Stream<Path> s = Files.list(dir)) {
                images = s.filter(p -> EXTENSIONS.stream().anyMatch(
                        e -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(e))).sorted().toList();
            } catch (IOException e) {
                throw new DataFormatException("cannot list " + dir + ": " + e.getMessage(), e);
            }
            if (images.isEmpty()) {
                throw new DataFormatException("class folder " + dir + " holds no images (" + EXTENSIONS + ")");
            }
            for (Path p : images) {
                files.add(p);
                labels.add(classes.size());
            }
            classes.add(dir.getFileName().toString());
        }
        int n = files.size();
        int plane = size * size;
        byte[] pixels = new byte[Math.toIntExact((long) n * 3 * plane)];
        for (int i = 0; i < n; i++) {
            writeRgbPlanes(decode(files.get(i)), size, size, pixels, i * 3 * plane);
        }
        int[] lab = labels.stream().mapToInt(Integer::intValue).toArray();
        return new Folder(new ImageSet(pixels, lab, 3, size, size, classes.size()), List.copyOf(classes));
    }

    /**
     * Draws {@code img} resized (bilinear) to {@code height x width} as three 8-bit planes R, G, B into {@code dst}
     * from {@code offset} (greyscale and palette images become RGB).
     */
    public static void writeRgbPlanes(BufferedImage img, int height, int width, byte[] dst, int offset) {
        BufferedImage rgb = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, width, height, null);
        g.dispose();
        int plane = height * width;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int argb = rgb.getRGB(x, y);
                int p = y * width + x;
                dst[offset + p] = (byte) ((argb >> 16) & 0xFF);
                dst[offset + plane + p] = (byte) ((argb >> 8) & 0xFF);
                dst[offset + 2 * plane + p] = (byte) (argb & 0xFF);
            }
        }
    }

    /** Decodes an image file; a clear {@link DataFormatException} when it is not one. */
    public static BufferedImage decode(Path file) {
        try {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) {
                throw new DataFormatException(file + " is not a readable image (no decoder recognises its content)");
            }
            return img;
        } catch (IOException e) {
            throw new DataFormatException(file + " is not a readable image: " + e.getMessage(), e);
        }
    }
}
