package dev.adm.models.data;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.Mutations;
import dev.adm.models.classification.ClassificationTrainer;
import dev.adm.models.run.Checkpoint;
import dev.adm.models.run.EpochRecord;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelZoo;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded random mutations of valid files for every reader of this module: each mutant reads, or fails with one
 * clear error naming the file (the CLI prints such errors as one line, without a stack trace).
 */
class ReaderMutationTest extends AdmTestBase {
    @TempDir
    Path dir;

    @Test
    void idxImagesAndLabels() throws Exception {
        Path img = IdxFiles.write(dir.resolve("images-idx3-ubyte"), IdxFiles.images(6, 28, 28, IdxReader.IMAGES_MAGIC));
        Path lab = IdxFiles.write(dir.resolve("labels-idx1-ubyte"), IdxFiles.labels(0, 1, 2, 3, 4, 9));
        int rejected = Mutations.check(img, 1, 200, f -> FashionMnist.read(f, lab), DataFormatException.class);
        rejected += Mutations.check(lab, 2, 200, f -> FashionMnist.read(img, f), DataFormatException.class);
        assertTrue(rejected > 150, "most mutants of IDX files are invalid; rejected: " + rejected);
    }

    @Test
    void gzippedIdx() throws Exception {
        Path img = IdxFiles.write(dir.resolve("images-idx3-ubyte.gz"), IdxFiles.images(4, 28, 28, IdxReader.IMAGES_MAGIC));
        Path lab = IdxFiles.write(dir.resolve("labels-idx1-ubyte.gz"), IdxFiles.labels(0, 1, 2, 3));
        int rejected = Mutations.check(img, 3, 100, f -> FashionMnist.read(f, lab), DataFormatException.class);
        rejected += Mutations.check(lab, 4, 100, f -> FashionMnist.read(img, f), DataFormatException.class);
        assertTrue(rejected > 100, "rejected: " + rejected);
    }

    @Test
    void cifarBinaryBatches() throws Exception {
        byte[] records = new byte[3 * 3073];
        for (int i = 0; i < records.length; i++) {
            records[i] = (byte) (i % 3073 == 0 ? i / 3073 : i * 13);
        }
        Path batch = dir.resolve("data_batch_1.bin");
        Files.write(batch, records);
        int rejected = Mutations.check(batch, 5, 200,
                f -> CifarReader.read(CifarReader.Variant.CIFAR10, List.of(f)), DataFormatException.class);
        assertTrue(rejected > 50, "rejected: " + rejected);
    }

    @Test
    void imageFolderFiles() throws Exception {
        for (String cls : List.of("ant", "cat")) {
            for (String split : List.of("train", "test")) {
                png(dir.resolve(split).resolve(cls).resolve(cls + ".png"), 12, 10);
            }
        }
        Path victim = dir.resolve("train/cat/cat.png");
        int rejected = Mutations.check(victim, 6, 120, f -> Datasets.load("folder", dir, false, 8),
                DataFormatException.class);
        assertTrue(rejected > 40, "rejected: " + rejected);
    }

    @Test
    void checkpointsAndModelFiles() throws Exception {
        ComputationGraph net = ModelZoo.get("resnet8").build(ModelConfig.builder().input(1, 8, 8).classes(3).build());
        Path run = dir.resolve("run");
        Checkpoint.save(run, 1, Checkpoint.Partial.NONE, List.of(new EpochRecord(1, 1.0, 2.0, 0.1, Map.of("ce", 1.0), Map.of("s", 0.5), Map.of())),
                Map.of("student", net), Map.of("seed", "1"), Map.of());
        int rejected = Mutations.check(run.resolve(Checkpoint.FILE), 7, 40, f -> Checkpoint.load(f.getParent()),
                DataFormatException.class);
        Path model = dir.resolve("teacher.zip");
        ModelSerializer.writeModel(net, model.toFile(), false);
        rejected += Mutations.check(model, 8, 40, f -> ClassificationTrainer.loadClassifier(f, 3, null),
                DataFormatException.class, IllegalArgumentException.class);
        assertTrue(rejected > 50, "rejected: " + rejected);
    }

    private static void png(Path file, int w, int h) throws Exception {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 40) << 16 | (y * 30) << 8 | (x + y) * 10);
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }
}
