package dev.adm.models.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Fashion-MNIST (Xiao et al., 2017; MIT licence, Zalando Research): 28x28 grey images of 10 clothing classes.
 *
 * <p>Sources, in order: a directory given by the user; the full set installed by Debian's
 * {@code dataset-fashion-mnist} package under {@value #SYSTEM_DIR}; the real subset embedded in this jar
 * (the official 10,000-image test split, re-split into 8,000 training and 2,000 test images), so that
 * everything runs on a fresh clone without a download.
 */
public final class FashionMnist {
    public static final String SYSTEM_DIR = "/usr/share/datasets/fashion-mnist";
    public static final int CLASSES = 10;
    public static final String[] CLASS_NAMES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot"};
    /** Mean and standard deviation of the training pixels scaled to [0,1]. */
    public static final double MEAN = 0.2860;
    public static final double STD = 0.3530;
    /** How the embedded 10,000 images are split. */
    public static final int EMBEDDED_TRAIN = 8000;

    private static final Logger log = LoggerFactory.getLogger(FashionMnist.class);
    private static final String RESOURCE_DIR = "/dev/adm/models/data/fashion-mnist/";

    private FashionMnist() {
    }

    /**
     * Loads from {@code dir} if given (it must hold the four IDX files, plain or .gz), else the system copy
     * if present, else the embedded subset.
     */
    public static Splits load(Path dir) {
        if (dir != null) {
            return fromDirectory(dir);
        }
        Path system = Path.of(SYSTEM_DIR);
        if (Files.isDirectory(system)) {
            try {
                return fromDirectory(system);
            } catch (DataFormatException e) {
                log.warn("ignoring the system copy ({}); using the embedded subset", e.getMessage());
            }
        }
        return embedded();
    }

    /** The full 60k/10k set from a directory of IDX files. */
    public static Splits fromDirectory(Path dir) {
        DataDirectories.require(dir, "the four Fashion-MNIST IDX files (plain or .gz)");
        ImageSet train = read(find(dir, "train-images-idx3-ubyte"), find(dir, "train-labels-idx1-ubyte"));
        ImageSet test = read(find(dir, "t10k-images-idx3-ubyte"), find(dir, "t10k-labels-idx1-ubyte"));
        return splits(train, test, "Fashion-MNIST from " + dir + " (" + train.size() + " train / "
                + test.size() + " test)");
    }

    /** The embedded real subset: the official test split re-split 8,000 / 2,000. */
    public static Splits embedded() {
        try {
            Path tmp = Files.createTempDirectory("adm-fmnist");
            try {
                Path images = copyResource("t10k-images-idx3-ubyte.gz", tmp);
                Path labels = copyResource("t10k-labels-idx1-ubyte.gz", tmp);
                ImageSet all = read(images, labels);
                return splits(all.slice(0, EMBEDDED_TRAIN), all.slice(EMBEDDED_TRAIN, all.size()),
                        "embedded Fashion-MNIST subset (" + EMBEDDED_TRAIN + " train / "
                                + (all.size() - EMBEDDED_TRAIN) + " test, from the official test split)");
            } finally {
                try (var files = Files.list(tmp)) {
                    for (Path p : files.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the embedded Fashion-MNIST subset", e);
        }
    }

    private static Splits splits(ImageSet train, ImageSet test, String source) {
        return new Splits(train, test, source, new double[]{MEAN}, new double[]{STD});
    }

    /** Reads one images/labels pair and checks they agree. */
    public static ImageSet read(Path images, Path labels) {
        IdxReader.Images img = IdxReader.readImages(images);
        int[] lab = IdxReader.readLabels(labels);
        if (img.count() != lab.length) {
            throw new DataFormatException(images + " holds " + img.count() + " images but " + labels + " holds "
                    + lab.length + " labels; they must come from the same split");
        }
        for (int i = 0; i < lab.length; i++) {
            if (lab[i] >= CLASSES) {
                throw new DataFormatException(labels + ": label " + lab[i] + " at position " + i
                        + " is not a Fashion-MNIST class (0-9)");
            }
        }
        return new ImageSet(img.pixels(), lab, 1, img.rows(), img.cols(), CLASSES);
    }

    private static Path find(Path dir, String base) {
        for (String name : new String[]{base, base + ".gz"}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new DataFormatException("missing " + base + "[.gz] in " + dir
                + "; the directory needs the train-/t10k- images-idx3-ubyte and labels-idx1-ubyte files "
                + "(or run with --embedded to use the subset shipped with adm)");
    }

    private static Path copyResource(String name, Path dir) throws IOException {
        try (InputStream in = FashionMnist.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("embedded data " + name + " is missing from the adm-models jar");
            }
            Path out = dir.resolve(name);
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            log.debug("unpacked {}", out);
            return out;
        }
    }
}
