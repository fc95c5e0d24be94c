package dev.adm.models.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the binary versions of CIFAR-10 and CIFAR-100 (Krizhevsky, 2009). A CIFAR-10 record is 1 label byte
 * followed by 3,072 pixel bytes (1,024 red, 1,024 green, 1,024 blue, each 32x32 row-major); a CIFAR-100
 * record has 2 label bytes (coarse, fine) before the pixels, and the fine label (0-99) is used.
 * Files: CIFAR-10 {@code data_batch_1..5.bin} and {@code test_batch.bin}; CIFAR-100 {@code train.bin} and
 * {@code test.bin}.
 */
public final class CifarReader {
    private static final int PIXELS = 3 * 32 * 32;

    /** The two variants: label bytes per record and class count. */
    public enum Variant {
        CIFAR10(1, 10, List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                "data_batch_5.bin"), List.of("test_batch.bin"), new double[]{0.4914, 0.4822, 0.4465},
                new double[]{0.2470, 0.2435, 0.2616}),
        CIFAR100(2, 100, List.of("train.bin"), List.of("test.bin"), new double[]{0.5071, 0.4865, 0.4409},
                new double[]{0.2673, 0.2564, 0.2762});

        final int labelBytes;
        final int classes;
        final List<String> trainFiles;
        final List<String> testFiles;
        /** Per-channel mean and standard deviation of the training pixels scaled to [0,1]. */
        public final double[] mean;
        public final double[] std;

        Variant(int labelBytes, int classes, List<String> train, List<String> test, double[] mean, double[] std) {
            this.labelBytes = labelBytes;
            this.classes = classes;
            this.trainFiles = train;
            this.testFiles = test;
            this.mean = mean;
            this.std = std;
        }

        int recordSize() {
            return labelBytes + PIXELS;
        }
    }

    private CifarReader() {
    }

    /** Training and test splits from the standard file names in {@code dir}. */
    public static Splits load(Variant variant, Path dir) {
        DataDirectories.require(dir, "the CIFAR binary files (" + String.join(", ", variant.trainFiles) + ", ...)");
        ImageSet train = read(variant, variant.trainFiles.stream().map(dir::resolve).toList());
        ImageSet test = read(variant, variant.testFiles.stream().map(dir::resolve).toList());
        return new Splits(train, test, variant.name() + " from " + dir + " (" + train.size()
                + " train / " + test.size() + " test)", variant.mean, variant.std);
    }

    /** All records of the given files, in order. */
    public static ImageSet read(Variant variant, List<Path> files) {
        List<byte[]> contents = new ArrayList<>();
        long records = 0;
        for (Path f : files) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f);
            } catch (NoSuchFileException e) {
                throw new DataFormatException("missing CIFAR file " + f + " (expected " + String.join(", ",
                        variant.trainFiles) + " and " + String.join(", ", variant.testFiles) + ")");
            } catch (IOException e) {
                throw new DataFormatException("cannot read " + f + ": " + e.getMessage(), e);
            }
            if (bytes.length == 0 || bytes.length % variant.recordSize() != 0) {
                throw new DataFormatException(f + " has " + bytes.length + " bytes, not a whole number of "
                        + variant.recordSize() + "-byte " + variant.name() + " records; is it a " + variant.name()
                        + " binary file?");
            }
            contents.add(bytes);
            records += bytes.length / variant.recordSize();
        }
        byte[] pixels = new byte[Math.toIntExact(records * PIXELS)];
        int[] labels = new int[(int) records];
        int r = 0;
        for (int fi = 0; fi < contents.size(); fi++) {
            byte[] bytes = contents.get(fi);
            for (int off = 0; off < bytes.length; off += variant.recordSize(), r++) {
                int label = bytes[off + variant.labelBytes - 1] & 0xFF;
                if (label >= variant.classes) {
                    throw new DataFormatException(files.get(fi) + ": record " + (off / variant.recordSize())
                            + " has label " + label + ", outside 0.." + (variant.classes - 1));
                }
                labels[r] = label;
                System.arraycopy(bytes, off + variant.labelBytes, pixels, r * PIXELS, PIXELS);
            }
        }
        return new ImageSet(pixels, labels, 3, 32, 32, variant.classes);
    }
}
