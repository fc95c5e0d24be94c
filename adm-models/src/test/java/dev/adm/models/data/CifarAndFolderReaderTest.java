package dev.adm.models.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CifarAndFolderReaderTest {
    @TempDir
    Path dir;

    /** {@code n} records; record i has label {@code labels[i]} and pixel p = (i + p) mod 256. */
    private static byte[] cifar(int labelBytes, int... labels) {
        int size = labelBytes + 3072;
        byte[] b = new byte[labels.length * size];
        for (int i = 0; i < labels.length; i++) {
            b[i * size + labelBytes - 1] = (byte) labels[i];
            if (labelBytes == 2) {
                b[i * size] = 7; // coarse label, ignored
            }
            for (int p = 0; p < 3072; p++) {
                b[i * size + labelBytes + p] = (byte) (i + p);
            }
        }
        return b;
    }

    @Test
    void readsCifar10BatchesInOrderWithPlanarRgb() throws Exception {
        for (int k = 1; k <= 5; k++) {
            Files.write(dir.resolve("data_batch_" + k + ".bin"), cifar(1, k, 9));
        }
        Files.write(dir.resolve("test_batch.bin"), cifar(1, 3));
        Splits s = CifarReader.load(CifarReader.Variant.CIFAR10, dir);
        assertEquals(10, s.train().size());
        assertEquals(1, s.test().size());
        assertEquals(3, s.train().channels());
        assertEquals(2, s.train().label(2));
        assertEquals(9, s.train().label(3));
        assertEquals((1 + 1024) % 256, s.train().pixel(1, 1024), "green plane starts at 1024");
        DataSet batch = s.trainIterator(4).build().next();
        double expected = ((0 + 1024) % 256 / 255.0 - 0.4822) / 0.2435; // image 0, green channel, pixel (0,0)
        assertEquals(expected, batch.getFeatures().getDouble(0, 1, 0, 0), 1e-5);
    }

    @Test
    void readsCifar100FineLabels() throws Exception {
        Files.write(dir.resolve("train.bin"), cifar(2, 42, 99));
        Files.write(dir.resolve("test.bin"), cifar(2, 0));
        Splits s = CifarReader.load(CifarReader.Variant.CIFAR100, dir);
        assertEquals(42, s.train().label(0));
        assertEquals(100, s.train().numClasses());
    }

    @Test
    void cifarErrorsNameTheFileAndTheProblem() throws Exception {
        Path wrong = Files.write(dir.resolve("train.bin"), cifar(1, 1, 2)); // CIFAR-10 records in a CIFAR-100 file
        DataFormatException size = assertThrows(DataFormatException.class,
                () -> CifarReader.read(CifarReader.Variant.CIFAR100, List.of(wrong)));
        assertTrue(size.getMessage().contains("6146 bytes") && size.getMessage().contains("3074-byte"), size.getMessage());
        Path label = Files.write(dir.resolve("bad.bin"), cifar(1, 12));
        assertTrue(assertThrows(DataFormatException.class, () -> CifarReader.read(CifarReader.Variant.CIFAR10,
                List.of(label))).getMessage().contains("label 12"));
        assertTrue(assertThrows(DataFormatException.class, () -> CifarReader.load(CifarReader.Variant.CIFAR10, dir))
                .getMessage().contains("data_batch_1.bin"));
    }

    private static void png(Path file, int rgb, int w, int h) throws Exception {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void readsAnImageFolderResizedWithSortedClassesAndOwnStatistics() throws Exception {
        png(dir.resolve("train/cat/a.png"), 0xFF0000, 10, 6);
        png(dir.resolve("train/cat/b.png"), 0xFF0000, 8, 8);
        png(dir.resolve("train/ant/c.png"), 0x0000FF, 5, 5);
        png(dir.resolve("test/ant/d.png"), 0x0000FF, 12, 12);
        png(dir.resolve("test/cat/e.png"), 0xFF0000, 12, 12);
        Splits s = Datasets.load("folder", dir, false, 4);
        assertEquals(3, s.train().size());
        assertEquals(2, s.train().numClasses());
        assertEquals(4, s.train().height());
        assertEquals(0, s.train().label(0), "ant sorts before cat");
        assertEquals(255, s.train().pixel(0, 2 * 16), "blue plane of the ant image");
        assertEquals(255, s.train().pixel(1, 0), "red plane of a cat image");
        assertEquals(2.0 / 3, s.mean()[0], 1e-9);
        assertEquals(1.0 / 3, s.mean()[2], 1e-9);
    }

    @Test
    void folderErrors() throws Exception {
        png(dir.resolve("train/cat/a.png"), 0, 4, 4);
        Files.createDirectories(dir.resolve("train/dog"));
        Files.createDirectories(dir.resolve("test/cat"));
        Files.createDirectories(dir.resolve("test/dog"));
        assertTrue(assertThrows(DataFormatException.class, () -> Datasets.load("folder", dir, false, 4))
                .getMessage().contains("holds no images"));
        Files.writeString(dir.resolve("train/dog/broken.png"), "not an image");
        assertTrue(assertThrows(DataFormatException.class, () -> Datasets.load("folder", dir, false, 4))
                .getMessage().contains("broken.png is not a readable image"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Datasets.load("cifar10", null, false, 32))
                .getMessage().contains("--data"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Datasets.load("mnist", null, false, 32))
                .getMessage().contains("fashion-mnist, cifar10"));
    }
}
