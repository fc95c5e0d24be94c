package dev.adm.segmentation;

import dev.adm.models.data.DataDirectories;
import dev.adm.models.data.DataFormatException;
import dev.adm.models.data.Datasets;
import dev.adm.models.data.EpochIterator;
import dev.adm.models.data.Splits;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * A segmentation run's data: training and test iterators, the class count, the input shape {@code [C,H,W]}, a
 * description, and the batch {@code overlays.png} draws; from scenes composed of Fashion-MNIST items or from a
 * Cityscapes, CamVid or VOC folder.
 */
record SegmentationData(EpochIterator train, EpochIterator test, int classes, long[] input, String source,
                        Supplier<DataSet> overlays) {
    /** The data {@code cfg} names: composed scenes, or a folder dataset with {@code cfg.folderFormat()}. */
    static SegmentationData of(SegmentationConfig cfg) {
        return cfg.folderFormat() == null ? scenes(cfg) : folder(cfg);
    }

    private static SegmentationData scenes(SegmentationConfig cfg) {
        // with --validation, the "test" items are the last training items, which training then never sees
        Splits items = Datasets.load("fashion-mnist", cfg.dataDir(), cfg.embeddedData(), 28)
                .holdOutValidation(cfg.validation());
        String scored = cfg.validation() > 0 ? "validation" : "test";
        SceneComposer trainScenes = SceneComposer.builder(items.train()).canvas(cfg.canvas())
                .items(cfg.minItems(), cfg.maxItems()).seed(cfg.run().seed()).build();
        // test scenes: items the networks never saw, placed by a layout seed independent of the run's seed
        SceneComposer testScenes = SceneComposer.builder(items.test()).canvas(cfg.canvas())
                .items(cfg.minItems(), cfg.maxItems()).seed(7_919).build();
        SceneIterator train = SceneIterator.builder(trainScenes, 0, cfg.trainScenes(), cfg.run().batchSize())
                .shuffle(cfg.run().seed()).flip(cfg.flip()).build();
        SceneIterator test = SceneIterator.builder(testScenes, 0, cfg.testScenes(), 64)
                .normalize(train.mean(), train.std()).build();
        return new SegmentationData(train, test, trainScenes.numClasses(), new long[]{1, cfg.canvas(), cfg.canvas()},
                String.format("%d %dx%d scenes with %d..%d items from %s; %d %s scenes", cfg.trainScenes(),
                        cfg.canvas(), cfg.canvas(), cfg.minItems(), cfg.maxItems(), items.source(), cfg.testScenes(),
                        scored),
                () -> SceneIterator.builder(testScenes, 0, Math.min(cfg.overlays(), cfg.testScenes()), cfg.overlays())
                        .normalize(train.mean(), train.std()).build().next());
    }

    /** {@code <data>/train} and {@code <data>/val} (or {@code test}) folders of images and label PNGs. */
    private static SegmentationData folder(SegmentationConfig cfg) {
        SegmentationFolder.Format format = SegmentationFolder.Format.parse(cfg.folderFormat());
        Path root = cfg.dataDir();
        DataDirectories.require(root, "train/ and val/ (or test/) folders, each with images/ and labels/");
        Path testDir = Files.isDirectory(root.resolve("val")) ? root.resolve("val") : root.resolve("test");
        if (!Files.isDirectory(root.resolve("train")) || !Files.isDirectory(testDir)) {
            throw new DataFormatException(root + " must hold train/ and val/ (or test/) folders, each with images/ "
                    + "and labels/");
        }
        SegmentationFolder.Split trainSplit = SegmentationFolder.read(root.resolve("train"), format,
                cfg.folderHeight(), cfg.folderWidth());
        SegmentationFolder.Split testSplit = SegmentationFolder.read(testDir, format, cfg.folderHeight(),
                cfg.folderWidth());
        SegmentationSplitIterator train = SegmentationSplitIterator.builder(trainSplit, cfg.run().batchSize())
                .shuffle(cfg.run().seed()).flip(cfg.flip()).build();
        SegmentationSplitIterator test = SegmentationSplitIterator.builder(testSplit, 16)
                .normalize(train.mean(), train.std()).build();
        return new SegmentationData(train, test, format.classes(), new long[]{3, cfg.folderHeight(), cfg.folderWidth()},
                String.format("%s folders in %s: %d train / %d %s images at %dx%d", format.name().toLowerCase(),
                        root, trainSplit.size(), testSplit.size(), testDir.getFileName(), cfg.folderHeight(),
                        cfg.folderWidth()),
                () -> SegmentationSplitIterator.builder(testSplit, Math.min(cfg.overlays(), testSplit.size()))
                        .normalize(train.mean(), train.std()).build().next());
    }
}
