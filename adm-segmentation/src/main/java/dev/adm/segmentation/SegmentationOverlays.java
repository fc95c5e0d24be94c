package dev.adm.segmentation;

import com.google.common.base.Preconditions;
import dev.adm.models.run.AtomicFiles;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A PNG grid: one row per scene with the input image, the ground truth and each network's prediction, the classes
 * coloured from a fixed palette over the darkened image (background left uncoloured) and ignored pixels grey.
 */
public final class SegmentationOverlays {
    private static final int SCALE = 3;
    private static final int HEADER = 18;
    /** Class colours; class 0 (background) is not drawn. A fixed palette keeps figures comparable across runs. */
    private static final int[] PALETTE = {
            0x000000, 0xe6194b, 0x3cb44b, 0xffe119, 0x4363d8, 0xf58231, 0x911eb4, 0x42d4f4, 0xf032e6, 0xbfef45,
            0xfabed4, 0x469990, 0xdcbeff, 0x9a6324, 0xfffac8, 0x800000, 0xaaffc3, 0x808000, 0xffd8b1, 0x000075};

    private SegmentationOverlays() {
    }

    /**
     * @param images      {@code [N,C,H,W]} (any scale; drawn in grey, min-max normalised per image)
     * @param truth       one-hot {@code [N,K,H,W]} (all-zero pixels are ignored)
     * @param predictions per network, scores {@code [N,K,H,W]} (argmax over K is drawn)
     */
    public static void write(Path png, INDArray images, INDArray truth, Map<String, INDArray> predictions) {
        Preconditions.checkArgument(images.rank() == 4 && truth.rank() == 4, "images and labels must be [N,C,H,W]");
        int n = (int) images.size(0);
        int h = (int) images.size(2);
        int w = (int) images.size(3);
        List<String> columns = new java.util.ArrayList<>(List.of("image", "truth"));
        columns.addAll(predictions.keySet());
        int cell = Math.max(w * SCALE, 80);
        BufferedImage grid = new BufferedImage(columns.size() * cell, HEADER + n * h * SCALE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int c = 0; c < columns.size(); c++) {
            g.drawString(columns.get(c), c * cell + 4, HEADER - 5);
        }
        g.dispose();
        for (int i = 0; i < n; i++) {
            float[][] image = image(images, i, h, w);
            int top = HEADER + i * h * SCALE;
            draw(grid, 0, top, image, null);
            draw(grid, cell, top, image, classes(truth, i, h, w));
            int c = 2;
            for (INDArray p : predictions.values()) {
                draw(grid, c++ * cell, top, image, classes(p, i, h, w));
            }
        }
        AtomicFiles.writeVia(png, tmp -> ImageIO.write(grid, "png", tmp.toFile()));
    }

    /** Per pixel the argmax class, or -1 where every score is 0 (an ignored label pixel). */
    static int[][] classes(INDArray scores, int i, int h, int w) {
        int k = (int) scores.size(1);
        INDArray s = scores.slice(i);
        int[][] out = new int[h][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int best = -1;
                double max = 0;
                for (int c = 0; c < k; c++) {
                    double v = s.getDouble(c, y, x);
                    if (best < 0 ? v != 0 : v > max) {
                        best = c;
                        max = v;
                    }
                }
                out[y][x] = best;
            }
        }
        return out;
    }

    private static float[][] image(INDArray images, int i, int h, int w) {
        INDArray img = images.slice(i).mean(0); // greyscale, or the mean of the colour channels
        double min = img.minNumber().doubleValue();
        double range = Math.max(img.maxNumber().doubleValue() - min, 1e-12);
        float[][] out = new float[h][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out[y][x] = (float) ((img.getDouble(y, x) - min) / range);
            }
        }
        return out;
    }

    private static void draw(BufferedImage grid, int left, int top, float[][] image, int[][] classes) {
        for (int y = 0; y < image.length; y++) {
            for (int x = 0; x < image[0].length; x++) {
                int grey = Math.round(255 * image[y][x]);
                int rgb;
                if (classes == null || classes[y][x] == 0) {
                    rgb = grey * 0x010101;
                } else if (classes[y][x] < 0) {
                    rgb = 0x808080;
                } else { // the class colour, shaded by the image so the item stays visible
                    int c = PALETTE[classes[y][x] % PALETTE.length];
                    double a = 0.55 + 0.45 * image[y][x];
                    rgb = (int) (((c >> 16) & 0xFF) * a) << 16 | (int) (((c >> 8) & 0xFF) * a) << 8 | (int) ((c & 0xFF) * a);
                }
                for (int dy = 0; dy < SCALE; dy++) {
                    for (int dx = 0; dx < SCALE; dx++) {
                        grid.setRGB(left + x * SCALE + dx, top + y * SCALE + dy, rgb);
                    }
                }
            }
        }
    }
}
