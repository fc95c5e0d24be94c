package dev.adm.segmentation;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.models.data.DataFormatException;
import dev.adm.models.run.RunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.IntBinaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentationFolderTest extends AdmTestBase {
    /** Writes an RGB image whose red channel encodes x and green y, and a grey label PNG from {@code label}. */
    private static void writePair(Path split, String name, int w, int h, IntBinaryOperator label) throws Exception {
        Files.createDirectories(split.resolve("images"));
        Files.createDirectories(split.resolve("labels"));
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        BufferedImage lab = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 10) << 16 | (y * 10) << 8 | 77);
                lab.getRaster().setSample(x, y, 0, label.applyAsInt(x, y));
            }
        }
        ImageIO.write(img, "png", split.resolve("images").resolve(name + "_leftImg8bit.png").toFile());
        ImageIO.write(lab, "png", split.resolve("labels").resolve(name + "_gtFine_labelTrainIds.png").toFile());
    }

    @Test
    void cityscapesTrainIdsAreResizedByNearestWithTheIgnoreLabelAndFlipMovesLabelsWithImages(@TempDir Path dir)
            throws Exception {
        // 20x10 label: class = x / 2 (0..9), the top row ignored (255)
        writePair(dir, "a", 20, 10, (x, y) -> y == 0 ? 255 : x / 2);
        SegmentationFolder.Split s = SegmentationFolder.read(dir, SegmentationFolder.Format.CITYSCAPES, 5, 10);
        assertEquals(19, s.numClasses());
        // nearest: destination (y, x) reads source (floor(y*10/5), floor(x*20/10)) = (2y, 2x)
        for (int x = 0; x < 10; x++) {
            assertEquals(SegmentationFolder.IGNORE, s.label(0, 0, x));
            assertEquals(x, s.label(0, 3, x));
        }
        DataSet flipped = null;
        SegmentationSplitIterator it = SegmentationSplitIterator.builder(s, 1).shuffle(3).flip(true).build();
        for (int epoch = 0; epoch < 8 && flipped == null; epoch++) { // some epoch draws a flip
            it.setEpoch(epoch);
            DataSet b = it.next();
            if (b.getLabels().getDouble(0, 9, 3, 0) == 1) {
                flipped = b;
            }
        }
        assertTrue(flipped != null, "no flip in 8 epochs");
        assertEquals(0, flipped.getLabels().sum(1).getDouble(0, 0, 4), "ignored pixels stay all-zero");
        // the image's red channel (x) is mirrored too: column 0 now holds the largest x
        assertTrue(flipped.getFeatures().getDouble(0, 0, 3, 0) > flipped.getFeatures().getDouble(0, 0, 3, 9));
    }

    @Test
    void vocLabelsReadAsPaletteIndicesOrAsPaletteColours(@TempDir Path dir) throws Exception {
        Map<Integer, Integer> palette = SegmentationFolder.vocPalette();
        assertEquals(22, palette.size());
        assertEquals(15, palette.get(0xc08080)); // person
        assertEquals(255, palette.get(0xe0e0c0)); // border
        byte[] r = new byte[256], g = new byte[256], b = new byte[256];
        palette.forEach((rgb, i) -> {
            r[i] = (byte) (rgb >> 16);
            g[i] = (byte) (rgb >> 8);
            b[i] = (byte) (int) rgb;
        });
        IndexColorModel cm = new IndexColorModel(8, 256, r, g, b);
        BufferedImage indexed = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_INDEXED, cm);
        BufferedImage colour = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        int[] values = {0, 15, 20, 255};
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                indexed.getRaster().setSample(x, y, 0, values[x]);
                colour.setRGB(x, y, cm.getRGB(values[x]));
            }
        }
        for (BufferedImage label : new BufferedImage[]{indexed, colour}) {
            Path split = dir.resolve(label == indexed ? "indexed" : "colour");
            writePair(split, "img", 4, 4, (x, y) -> 0);
            ImageIO.write(label, "png", split.resolve("labels").resolve("img_gtFine_labelTrainIds.png").toFile());
            SegmentationFolder.Split s = SegmentationFolder.read(split, SegmentationFolder.Format.VOC, 4, 4);
            for (int x = 0; x < 4; x++) {
                assertEquals(values[x], s.label(0, 1, x), "x = " + x);
            }
        }
    }

    @Test
    void badFoldersGiveOneClearErrorNamingTheFileAndTheFix(@TempDir Path dir) throws Exception {
        writePair(dir.resolve("camvid"), "a", 8, 8, (x, y) -> x == 3 && y == 2 ? 12 : 11);
        DataFormatException value = assertThrows(DataFormatException.class, () -> SegmentationFolder.read(
                dir.resolve("camvid"), SegmentationFolder.Format.CAMVID, 8, 8));
        assertTrue(value.getMessage().contains("has value 12 at (3,2)") && value.getMessage().contains("a_gtFine"),
                value.getMessage());

        writePair(dir.resolve("sizes"), "a", 8, 8, (x, y) -> 0);
        ImageIO.write(new BufferedImage(8, 6, BufferedImage.TYPE_BYTE_GRAY), "png",
                dir.resolve("sizes/labels/a_gtFine_labelTrainIds.png").toFile());
        DataFormatException size = assertThrows(DataFormatException.class, () -> SegmentationFolder.read(
                dir.resolve("sizes"), SegmentationFolder.Format.CITYSCAPES, 8, 8));
        assertTrue(size.getMessage().contains("is 8x8 but its label") && size.getMessage().contains("8x6"),
                size.getMessage());

        writePair(dir.resolve("missing"), "a", 8, 8, (x, y) -> 0);
        Files.delete(dir.resolve("missing/labels/a_gtFine_labelTrainIds.png"));
        DataFormatException missing = assertThrows(DataFormatException.class, () -> SegmentationFolder.read(
                dir.resolve("missing"), SegmentationFolder.Format.CITYSCAPES, 8, 8));
        assertTrue(missing.getMessage().contains("has no label"), missing.getMessage());

        writePair(dir.resolve("colour"), "a", 8, 8, (x, y) -> 0);
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png",
                dir.resolve("colour/labels/a_gtFine_labelTrainIds.png").toFile());
        DataFormatException colour = assertThrows(DataFormatException.class, () -> SegmentationFolder.read(
                dir.resolve("colour"), SegmentationFolder.Format.CITYSCAPES, 8, 8));
        assertTrue(colour.getMessage().contains("must be greyscale class indices"), colour.getMessage());

        Files.write(dir.resolve("sizes/images/b.png"), new byte[]{1, 2, 3});
        Files.write(dir.resolve("sizes/labels/b.png"), new byte[]{1, 2, 3});
        assertThrows(DataFormatException.class, () -> SegmentationFolder.read(dir.resolve("sizes"),
                SegmentationFolder.Format.CITYSCAPES, 8, 8));
        IllegalArgumentException format = assertThrows(IllegalArgumentException.class,
                () -> SegmentationFolder.Format.parse("ade20k"));
        assertTrue(format.getMessage().contains("cityscapes, camvid or voc"), format.getMessage());
    }

    @Test
    void randomMutationsOfImageAndLabelFilesReadOrFailClearly(@TempDir Path dir) throws Exception {
        writePair(dir.resolve("train"), "a", 12, 10, (x, y) -> (x + y) % 5 == 0 ? 255 : (x + y) % 19);
        writePair(dir.resolve("train"), "b", 12, 10, (x, y) -> x % 19);
        int rejected = dev.adm.core.testing.Mutations.check(dir.resolve("train/images/a_leftImg8bit.png"), 12, 80,
                f -> SegmentationFolder.read(dir.resolve("train"), SegmentationFolder.Format.CITYSCAPES, 8, 8),
                DataFormatException.class);
        rejected += dev.adm.core.testing.Mutations.check(dir.resolve("train/labels/b_gtFine_labelTrainIds.png"), 13,
                80, f -> SegmentationFolder.read(dir.resolve("train"), SegmentationFolder.Format.CITYSCAPES, 8, 8),
                DataFormatException.class);
        assertTrue(rejected > 60, "rejected: " + rejected);
    }

    @Test
    void theTrainerRunsOnAFolderDataset(@TempDir Path dir) throws Exception {
        for (int i = 0; i < 6; i++) {
            int shift = i;
            writePair(dir.resolve(i < 4 ? "train" : "val"), "img" + i, 24, 16,
                    (x, y) -> y < 2 ? 255 : ((x + shift) / 6) % 3);
        }
        RunResult r = SegmentationTrainer.run(SegmentationConfig.builder().folder("cityscapes", 16, 16)
                .dataDir(dir).epochs(1).batchSize(2).overlays(2).progress(false).outDir(dir.resolve("run")).build());
        double miou = r.finalScores().get("student");
        assertTrue(miou >= 0 && miou <= 1, "mIoU " + miou);
        assertTrue(Files.exists(dir.resolve("run/overlays.png")) && Files.exists(dir.resolve("run/student.zip")));
    }
}
