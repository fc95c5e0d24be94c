package dev.adm.segmentation;

import com.google.common.base.Preconditions;
import dev.adm.models.run.RunSettings;
import dev.adm.models.run.Task;
import dev.adm.models.run.TaskConfig;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything a segmentation run needs: the shared {@link RunSettings} (networks are {@code <head>-<backbone>} models)
 * plus the data, composed Fashion-MNIST scenes or a folder dataset. Immutable; build with {@link #builder()}, which
 * validates.
 *
 * @param run          the settings every task shares; a frozen teacher ({@code teacherCheckpoint}) is a model exported
 *                     by a run ({@code student.zip}) or a run's {@code checkpoint.zip} (keeps an auxiliary head, which
 *                     RDD needs)
 * @param auxiliary    give every built network an auxiliary FCN head (tap {@code aux}, trained with weight 0.4)
 * @param canvas       scene size in pixels (square)
 * @param minItems     fewest Fashion-MNIST items per scene
 * @param maxItems     most items per scene
 * @param trainScenes  training scenes per epoch (composed from the training items)
 * @param testScenes   test scenes (composed from the test items)
 * @param dataDir      Fashion-MNIST IDX directory (null: the system copy or the embedded subset); with a
 *                     {@code folderFormat}, the dataset's root holding train/ and val/ (or test/)
 * @param folderFormat null for composed scenes; cityscapes, camvid or voc for a folder dataset
 * @param folderHeight folder datasets: images and labels are resized to this height
 * @param folderWidth  folder datasets: and to this width
 * @param embeddedData take the items from the subset embedded in the jar even when the full set is installed
 * @param flip         horizontal flips of training scenes (image and labels together)
 * @param overlays     test scenes drawn in {@code overlays.png} (0 = none)
 * @param validation   composed scenes: hold the last N training items out of training and score on scenes composed
 *                     from them instead of the test scenes (0 = score on the test scenes); for choosing settings
 *                     without looking at the test set
 */
public record SegmentationConfig(RunSettings run, boolean auxiliary, int canvas, int minItems, int maxItems,
                                 int trainScenes, int testScenes, Path dataDir, String folderFormat,
                                 int folderHeight, int folderWidth, boolean embeddedData, boolean flip,
                                 int overlays, int validation) implements TaskConfig {
    public SegmentationConfig {
        Objects.requireNonNull(run, "run settings");
        run.teachers().forEach(SegmentationZoo::check);
        run.students().forEach(SegmentationZoo::check);
        Preconditions.checkArgument(canvas >= 28 && canvas <= 512, "the canvas must be 28..512 pixels, got %s", canvas);
        Preconditions.checkArgument(1 <= minItems && minItems <= maxItems && maxItems <= 64, "items per scene must "
                + "satisfy 1 <= min <= max <= 64, got %s..%s", minItems, maxItems);
        Preconditions.checkArgument(trainScenes >= 1 && testScenes >= 1, "need at least one training and one test "
                + "scene, got %s and %s", trainScenes, testScenes);
        Preconditions.checkArgument(overlays >= 0, "overlays must be >= 0, got %s", overlays);
        Preconditions.checkArgument(validation >= 0, "validation items must be >= 0, got %s", validation);
        Preconditions.checkArgument(validation == 0 || folderFormat == null, "--validation composes scenes from "
                + "held-out training items; a folder dataset (--data-format %s) is scored on its own val/ folder",
                folderFormat);
        Preconditions.checkArgument(dataDir == null || !embeddedData, "give either --data or --embedded, not both");
        if (folderFormat != null) {
            SegmentationFolder.Format.parse(folderFormat);
            Preconditions.checkArgument(dataDir != null, "a folder dataset (--data-format %s) needs --data DIR with "
                    + "train/ and val/ folders", folderFormat);
            Preconditions.checkArgument(folderHeight >= 8 && folderWidth >= 8 && folderHeight <= 4096
                    && folderWidth <= 4096, "folder image size must be 8..4096, got %sx%s", folderHeight, folderWidth);
        }
    }

    @Override
    public SegmentationConfig withRun(RunSettings other) {
        return new SegmentationConfig(other, auxiliary, canvas, minItems, maxItems, trainScenes, testScenes, dataDir,
                folderFormat, folderHeight, folderWidth, embeddedData, flip, overlays, validation);
    }

    @Override
    public Task task() {
        return new SegmentationTrainer(this);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding every setting of this config, to derive a changed copy. */
    public Builder toBuilder() {
        return builder().settings(run).auxiliary(auxiliary).canvas(canvas).items(minItems, maxItems)
                .trainScenes(trainScenes).testScenes(testScenes).dataDir(dataDir)
                .folder(folderFormat, folderHeight, folderWidth).embeddedData(embeddedData).flip(flip)
                .overlays(overlays).validation(validation);
    }

    /**
     * Defaults: baseline, student fcn-resnet8, 10 epochs of 4000 64x64 scenes with 1..3 items, batch 32, lr 0.05,
     * run directory {@code runs/segmentation}.
     */
    public static final class Builder extends RunSettings.Builder<Builder> {
        private boolean auxiliary;
        private int canvas = 64;
        private int minItems = 1;
        private int maxItems = 3;
        private int trainScenes = 4000;
        private int testScenes = 500;
        private Path dataDir;
        private String folderFormat;
        private int folderHeight = 64;
        private int folderWidth = 64;
        private boolean embeddedData;
        private boolean flip = true;
        private int overlays = 6;
        private int validation;

        private Builder() {
            student("fcn-resnet8").batchSize(32).learningRate(0.05).outDir(Path.of("runs", "segmentation"));
        }

        public Builder auxiliary(boolean v) { auxiliary = v; return this; }
        public Builder canvas(int v) { canvas = v; return this; }
        public Builder items(int min, int max) { minItems = min; maxItems = max; return this; }
        public Builder trainScenes(int v) { trainScenes = v; return this; }
        public Builder testScenes(int v) { testScenes = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder folder(String format, int height, int width) {
            folderFormat = format;
            folderHeight = height;
            folderWidth = width;
            return this;
        }
        public Builder embeddedData(boolean v) { embeddedData = v; return this; }
        public Builder flip(boolean v) { flip = v; return this; }
        public Builder overlays(int v) { overlays = v; return this; }
        public Builder validation(int v) { validation = v; return this; }

        public SegmentationConfig build() {
            return new SegmentationConfig(settings(), auxiliary, canvas, minItems, maxItems, trainScenes, testScenes,
                    dataDir, folderFormat, folderHeight, folderWidth, embeddedData, flip, overlays, validation);
        }
    }
}
