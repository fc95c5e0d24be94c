package dev.adm.models.data;

import com.google.common.base.Preconditions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every dataset the pipelines read, by name: {@code fashion-mnist} (embedded subset, system copy or an IDX
 * directory), {@code cifar10} and {@code cifar100} (binary versions), {@code folder} (ImageNet-style
 * {@code train/} and {@code test/} (or {@code val/}) folders with one sub-folder per class). Adding a dataset is a
 * reader returning {@link Splits} and one {@code register} line here.
 */
public final class Datasets {
    /** Reads a dataset's training and test splits. */
    @FunctionalInterface
    public interface Reader {
        /**
         * @param dir       the data directory (null where the dataset has a default, as fashion-mnist does)
         * @param imageSize the square size a dataset of varying image sizes is resized to
         */
        Splits read(Path dir, int imageSize);
    }

    private static final Map<String, Reader> READERS = new LinkedHashMap<>();

    static {
        register("fashion-mnist", (dir, size) -> FashionMnist.load(dir));
        register("cifar10", (dir, size) -> CifarReader.load(CifarReader.Variant.CIFAR10, required("cifar10", dir)));
        register("cifar100", (dir, size) -> CifarReader.load(CifarReader.Variant.CIFAR100,
                required("cifar100", dir)));
        register("folder", (dir, size) -> folder(required("folder", dir), size));
    }

    /** Every dataset's name, in registration order. */
    public static final List<String> NAMES = List.copyOf(READERS.keySet());

    private Datasets() {
    }

    private static void register(String name, Reader reader) {
        Preconditions.checkState(READERS.put(name, reader) == null, "dataset '%s' registered twice", name);
    }

    /**
     * @param name      one of {@link #NAMES}
     * @param dir       the data directory (required except for fashion-mnist)
     * @param embedded  fashion-mnist only: use the subset embedded in the jar
     * @param imageSize folder only: images are resized to this square size
     */
    public static Splits load(String name, Path dir, boolean embedded, int imageSize) {
        Reader reader = READERS.get(name);
        if (reader == null) {
            throw new IllegalArgumentException("unknown dataset '" + name + "'; known datasets: "
                    + String.join(", ", NAMES));
        }
        if (embedded) {
            Preconditions.checkArgument(name.equals("fashion-mnist"), "only fashion-mnist has an embedded subset; %s "
                    + "needs --data DIR", name);
            return FashionMnist.embedded();
        }
        return reader.read(dir, imageSize);
    }

    private static Path required(String name, Path dir) {
        if (dir == null) {
            throw new IllegalArgumentException("dataset " + name + " needs --data DIR (where its files are)");
        }
        return dir;
    }

    private static Splits folder(Path dir, int size) {
        DataDirectories.require(dir, "train/ and test/ (or val/) folders of class sub-folders");
        Path test = Files.isDirectory(dir.resolve("test")) ? dir.resolve("test") : dir.resolve("val");
        if (!Files.isDirectory(dir.resolve("train")) || !Files.isDirectory(test)) {
            throw new DataFormatException(dir + " must hold train/ and test/ (or val/) folders, each with one "
                    + "sub-folder per class");
        }
        ImageFolderReader.Folder train = ImageFolderReader.read(dir.resolve("train"), size);
        ImageFolderReader.Folder eval = ImageFolderReader.read(test, size);
        if (!train.classes().equals(eval.classes())) {
            throw new DataFormatException("the class folders of " + dir.resolve("train") + " " + train.classes()
                    + " differ from those of " + test + " " + eval.classes());
        }
        double[][] stats = channelStats(train.images());
        return new Splits(train.images(), eval.images(), "image folder " + dir + " (" + train.images().size()
                + " train / " + eval.images().size() + " test, " + train.classes().size() + " classes, "
                + size + "x" + size + ")", stats[0], stats[1]);
    }

    /** Per-channel mean and standard deviation of the pixels scaled to [0,1]. */
    static double[][] channelStats(ImageSet set) {
        int c = set.channels();
        int plane = set.height() * set.width();
        double[] sum = new double[c];
        double[] sq = new double[c];
        for (int i = 0; i < set.size(); i++) {
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < plane; p++) {
                    double v = set.pixel(i, ch * plane + p) / 255.0;
                    sum[ch] += v;
                    sq[ch] += v * v;
                }
            }
        }
        double n = (double) set.size() * plane;
        double[] mean = new double[c];
        double[] std = new double[c];
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = sum[ch] / n;
            std[ch] = Math.max(Math.sqrt(Math.max(sq[ch] / n - mean[ch] * mean[ch], 0)), 1e-3);
        }
        return new double[][]{mean, std};
    }
}
