package dev.adm.models.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FashionMnistReaderTest {
    @TempDir
    Path dir;

    private DataFormatException fails(Path images, Path labels) {
        return assertThrows(DataFormatException.class, () -> FashionMnist.read(images, labels));
    }

    @Test
    void readsPlainAndGzippedFiles() throws Exception {
        for (String ext : new String[]{"", ".gz"}) {
            Path img = IdxFiles.write(dir.resolve("img" + ext), IdxFiles.images(3, 4, 5, IdxReader.IMAGES_MAGIC));
            Path lab = IdxFiles.write(dir.resolve("lab" + ext), IdxFiles.labels(1, 9, 0));
            ImageSet set = FashionMnist.read(img, lab);
            assertEquals(3, set.size());
            assertEquals(4, set.height());
            assertEquals(5, set.width());
            assertEquals(9, set.label(1));
            assertEquals((20 * 7) % 256, set.pixel(1, 0));
        }
    }

    @Test
    void badMagicNamesTheFileAndBothNumbers() throws Exception {
        Path img = IdxFiles.write(dir.resolve("img"), IdxFiles.images(2, 2, 2, 0x00000801));
        Path lab = IdxFiles.write(dir.resolve("lab"), IdxFiles.labels(1, 2));
        DataFormatException e = fails(img, lab);
        assertTrue(e.getMessage().contains("img") && e.getMessage().contains("0x00000801")
                && e.getMessage().contains("0x00000803"), e.getMessage());
        DataFormatException swapped = fails(img, img);
        assertTrue(swapped.getMessage().contains("magic"), swapped.getMessage());
    }

    @Test
    void aTruncatedGzipFileIsReportedAsSuchAndADataPathThatIsAFileAsAFile() throws Exception {
        Path whole = IdxFiles.write(dir.resolve("whole.gz"), IdxFiles.images(50, 28, 28, IdxReader.IMAGES_MAGIC));
        byte[] gz = Files.readAllBytes(whole);
        Path cut = Files.write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length * 3 / 4));
        Path lab = IdxFiles.write(dir.resolve("lab"), IdxFiles.labels(new int[50]));
        DataFormatException e = fails(cut, lab);
        assertTrue(e.getMessage().contains("cut.gz") && e.getMessage().contains("compressed data ends")
                && !e.getMessage().contains("header"), e.getMessage());
        DataFormatException notADir = assertThrows(DataFormatException.class, () -> FashionMnist.fromDirectory(lab));
        assertTrue(notADir.getMessage().contains("is a file; give the directory"), notADir.getMessage());
    }

    @Test
    void truncatedDataAndTruncatedHeader() throws Exception {
        byte[] full = IdxFiles.images(3, 4, 4, IdxReader.IMAGES_MAGIC);
        Path lab = IdxFiles.write(dir.resolve("lab"), IdxFiles.labels(1, 2, 3));
        Path cut = IdxFiles.write(dir.resolve("cut"), Arrays.copyOf(full, full.length - 5));
        assertTrue(fails(cut, lab).getMessage().contains("truncated"));
        Path header = IdxFiles.write(dir.resolve("header"), Arrays.copyOf(full, 6));
        assertTrue(fails(header, lab).getMessage().contains("truncated"));
    }

    @Test
    void countMismatchBetweenImagesAndLabels() throws Exception {
        Path img = IdxFiles.write(dir.resolve("img"), IdxFiles.images(3, 2, 2, IdxReader.IMAGES_MAGIC));
        Path lab = IdxFiles.write(dir.resolve("lab"), IdxFiles.labels(1, 2));
        DataFormatException e = fails(img, lab);
        assertTrue(e.getMessage().contains("3 images") && e.getMessage().contains("2 labels"), e.getMessage());
    }

    @Test
    void missingFileTrailingBytesAndOutOfRangeLabel() throws Exception {
        Path img = IdxFiles.write(dir.resolve("img"), IdxFiles.images(2, 2, 2, IdxReader.IMAGES_MAGIC));
        assertTrue(fails(dir.resolve("nope"), img).getMessage().contains("missing"));
        byte[] longer = Arrays.copyOf(IdxFiles.labels(1, 2), 11);
        Path lab = IdxFiles.write(dir.resolve("lab"), longer);
        assertTrue(fails(img, lab).getMessage().contains("bytes after"));
        Path bad = IdxFiles.write(dir.resolve("bad"), IdxFiles.labels(1, 12));
        assertTrue(fails(img, bad).getMessage().contains("label 12"));
    }

    @Test
    void directoryWithoutTheFilesSaysWhichIsMissing() {
        DataFormatException e = assertThrows(DataFormatException.class, () -> FashionMnist.fromDirectory(dir));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte"), e.getMessage());
    }

    @Test
    void embeddedSubsetIsTheRealTestSplitResplit() {
        Splits s = FashionMnist.embedded();
        assertEquals(8000, s.train().size());
        assertEquals(2000, s.test().size());
        assertEquals(28, s.train().height());
        int[] counts = new int[10];
        for (int i = 0; i < s.train().size(); i++) {
            counts[s.train().label(i)]++;
        }
        for (int c : counts) {
            assertTrue(c > 700 && c < 900, "class balance of the official test split: " + Arrays.toString(counts));
        }
    }
}
