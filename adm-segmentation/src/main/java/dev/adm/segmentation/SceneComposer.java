package dev.adm.segmentation;

import com.google.common.base.Preconditions;
import dev.adm.models.data.ImageSet;

import java.util.Random;

/**
 * Segmentation scenes with real image content that run anywhere: Fashion-MNIST items pasted on a larger
 * black canvas, each pixel labelled with the class of the item whose silhouette covers it (later items occlude
 * earlier ones), background 0 and classes {@code 1..K}. Scene {@code i} depends only on the seed and {@code i},
 * so scenes are generated on the fly, identically on every run.
 *
 * <pre>{@code
 * SceneComposer scenes = SceneComposer.builder(FashionMnist.embedded().train()).canvas(64).items(2, 4).seed(7).build();
 * SceneComposer.Scene s = scenes.scene(0);   // s.pixels(): 64*64 grey levels, s.labels(): 64*64 classes
 * }</pre>
 */
public final class SceneComposer {
    /** Label of the background. */
    public static final int BACKGROUND = 0;
    /** An item pixel brighter than this (of 255) belongs to its silhouette. */
    public static final int SILHOUETTE_LEVEL = 25;

    private final ImageSet items;
    private final int canvas;
    private final int minItems;
    private final int maxItems;
    private final long seed;

    /** One composed scene: {@code canvas * canvas} grey levels (0..255) and labels (0 background, 1..K classes). */
    public record Scene(int size, byte[] pixels, byte[] labels) {
        public int pixel(int y, int x) {
            return pixels[y * size + x] & 0xFF;
        }

        public int label(int y, int x) {
            return labels[y * size + x];
        }
    }

    private SceneComposer(Builder b) {
        this.items = b.items;
        this.canvas = b.canvas;
        this.minItems = b.minItems;
        this.maxItems = b.maxItems;
        this.seed = b.seed;
    }

    public static Builder builder(ImageSet items) {
        return new Builder(items);
    }

    public int canvas() {
        return canvas;
    }

    /** Classes including the background: the items' classes plus one. */
    public int numClasses() {
        return items.numClasses() + 1;
    }

    /** Scene number {@code index} (any non-negative integer). */
    public Scene scene(long index) {
        Preconditions.checkArgument(index >= 0, "scene index must be >= 0, got %s", index);
        Random rnd = new Random(seed * 0x9E3779B97F4A7C15L + index);
        int h = items.height();
        int w = items.width();
        byte[] pixels = new byte[canvas * canvas];
        byte[] labels = new byte[canvas * canvas];
        int count = minItems + rnd.nextInt(maxItems - minItems + 1);
        for (int k = 0; k < count; k++) {
            int item = rnd.nextInt(items.size());
            int top = rnd.nextInt(canvas - h + 1);
            int left = rnd.nextInt(canvas - w + 1);
            boolean flip = rnd.nextBoolean();
            byte label = (byte) (items.label(item) + 1);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int v = items.pixel(item, y * w + (flip ? w - 1 - x : x));
                    if (v > SILHOUETTE_LEVEL) { // the silhouette occludes what lies below it
                        int at = (top + y) * canvas + left + x;
                        pixels[at] = (byte) v;
                        labels[at] = label;
                    }
                }
            }
        }
        return new Scene(canvas, pixels, labels);
    }

    /** Validating builder; defaults: 64x64 canvas, 2-4 items, seed 0. */
    public static final class Builder {
        private final ImageSet items;
        private int canvas = 64;
        private int minItems = 2;
        private int maxItems = 4;
        private long seed;

        private Builder(ImageSet items) {
            Preconditions.checkArgument(items != null && items.size() > 0, "scenes need a non-empty set of items");
            Preconditions.checkArgument(items.channels() == 1, "scene items must be greyscale, got %s channels",
                    items.channels());
            Preconditions.checkArgument(items.numClasses() < 127, "at most 126 item classes, got %s",
                    items.numClasses());
            this.items = items;
        }

        public Builder canvas(int size) {
            Preconditions.checkArgument(size >= items.height() && size >= items.width() && size <= 4096,
                    "the canvas (%s) must hold one %sx%s item", size, items.height(), items.width());
            this.canvas = size;
            return this;
        }

        public Builder items(int min, int max) {
            Preconditions.checkArgument(1 <= min && min <= max && max <= 64, "items per scene must satisfy "
                    + "1 <= min <= max <= 64, got %s..%s", min, max);
            this.minItems = min;
            this.maxItems = max;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public SceneComposer build() {
            return new SceneComposer(this);
        }
    }
}
