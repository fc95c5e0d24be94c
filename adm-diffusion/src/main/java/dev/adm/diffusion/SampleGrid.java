package dev.adm.diffusion;

import dev.adm.models.run.AtomicFiles;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

/** Writes images {@code [N,1,H,W]} in {@code [-1, 1]} as a greyscale PNG grid (values clipped), scaled up. */
public final class SampleGrid {
    private SampleGrid() {
    }

    public static void write(Path png, INDArray images, int columns, int scale) {
        int n = (int) images.size(0);
        int h = (int) images.size(2);
        int w = (int) images.size(3);
        int rows = (n + columns - 1) / columns;
        int gap = 2;
        BufferedImage grid = new BufferedImage(columns * (w * scale + gap) + gap, rows * (h * scale + gap) + gap,
                BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < n; i++) {
            int left = gap + (i % columns) * (w * scale + gap);
            int top = gap + (i / columns) * (h * scale + gap);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = Math.max(-1, Math.min(1, images.getDouble(i, 0, y, x)));
                    int grey = (int) Math.round((v + 1) * 127.5);
                    for (int dy = 0; dy < scale; dy++) {
                        for (int dx = 0; dx < scale; dx++) {
                            grid.setRGB(left + x * scale + dx, top + y * scale + dy, grey * 0x010101);
                        }
                    }
                }
            }
        }
        AtomicFiles.writeVia(png, tmp -> ImageIO.write(grid, "png", tmp.toFile()));
    }
}
