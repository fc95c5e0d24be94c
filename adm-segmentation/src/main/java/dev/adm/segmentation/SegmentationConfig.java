package dev.adm.segmentation;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;

import dev.adm.models.run.CheckpointPolicy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything a segmentation run on composed Fashion-MNIST scenes needs. Immutable; build with {@link #builder()},
 * which validates.
 *
 * @param method            registry name of the method ({@code baseline}, {@code pixel-kd}, {@code cwd}, ...)
 * @param methodParams      overrides of the method's parameters
 * @param teachers          segmentation models ({@code <head>-<backbone>}) of teachers trained jointly; empty for none
 * @param teacherCheckpoint a frozen teacher: a model exported by a run ({@code student.zip}), or a run's
 *                          {@code checkpoint.zip} (keeps an auxiliary head, which RDD needs); or null
 * @param students          segmentation models of the students, at least one
 * @param auxiliary         give every built network an auxiliary FCN head (tap {@code aux}, trained with weight 0.4)
 * @param epochs            number of epochs, >= 1
 * @param batchSize         minibatch size
 * @param learningRate      initial SGD-Nesterov learning rate (cosine-annealed per epoch)
 * @param seed              seed of weights, scenes, shuffling and flips
 * @param canvas            scene size in pixels (square)
 * @param minItems          fewest Fashion-MNIST items per scene
 * @param maxItems          most items per scene
 * @param trainScenes       training scenes per epoch (composed from the training items)
 * @param testScenes        test scenes (composed from the test items)
 * @param dataDir           Fashion-MNIST IDX directory (null: the system copy or the embedded subset); with a
 *                          {@code folderFormat}, the dataset's root holding train/ and val/ (or test/)
 * @param folderFormat      null for composed scenes; cityscapes, camvid or voc for a folder dataset
 * @param folderHeight      folder datasets: images and labels are resized to this height
 * @param folderWidth       folder datasets: and to this width
 * @param embeddedData      take the items from the subset embedded in the jar even when the full set is installed
 * @param flip              horizontal flips of training scenes (image and labels together)
 * @param overlays          test scenes drawn in {@code overlays.png} (0 = none)
 * @param outDir            run directory
 * @param resume            continue from {@code outDir/checkpoint.zip}
 * @param stopAfter         stop (resumably) after this many epochs of this invocation; 0 = run to the end
 * @param checkpointEvery   when to checkpoint inside an epoch (always at its end too)
 * @param progress          draw a progress bar
 */
public record SegmentationConfig(String method, Map<String, String> methodParams, List<String> teachers,
                                 Path teacherCheckpoint, List<String> students, boolean auxiliary, int epochs,
                                 int batchSize,
                                 double learningRate, long seed, int canvas, int minItems, int maxItems,
                                 int trainScenes, int testScenes, Path dataDir, String folderFormat,
                                 int folderHeight, int folderWidth, boolean embeddedData, boolean flip,
                                 int overlays, Path outDir, boolean resume, int stopAfter, CheckpointPolicy checkpointEvery,
                                   boolean progress) {
    public SegmentationConfig {
        Preconditions.checkArgument(method != null && !method.isBlank(), "method is required");
        teachers = List.copyOf(teachers);
        students = List.copyOf(students);
        Preconditions.checkArgument(!students.isEmpty(), "a student model is required (--student)");
        Preconditions.checkArgument(teachers.isEmpty() || teacherCheckpoint == null,
                "give either --teacher (trained jointly) or --teacher-checkpoint (frozen), not both");
        teachers.forEach(SegmentationZoo::check);
        students.forEach(SegmentationZoo::check);
        Preconditions.checkArgument(epochs >= 1, "epochs must be >= 1, got %s", epochs);
        Preconditions.checkArgument(batchSize >= 1, "batch size must be >= 1, got %s", batchSize);
        Preconditions.checkArgument(learningRate > 0, "learning rate must be > 0, got %s", learningRate);
        Preconditions.checkArgument(canvas >= 28 && canvas <= 512, "the canvas must be 28..512 pixels, got %s", canvas);
        Preconditions.checkArgument(1 <= minItems && minItems <= maxItems && maxItems <= 64, "items per scene must "
                + "satisfy 1 <= min <= max <= 64, got %s..%s", minItems, maxItems);
        Preconditions.checkArgument(trainScenes >= 1 && testScenes >= 1, "need at least one training and one test "
                + "scene, got %s and %s", trainScenes, testScenes);
        Preconditions.checkArgument(overlays >= 0, "overlays must be >= 0, got %s", overlays);
        Preconditions.checkArgument(stopAfter >= 0, "stop-after must be >= 0, got %s", stopAfter);
        Preconditions.checkArgument(checkpointEvery != null, "a checkpoint policy is required");
        Preconditions.checkArgument(outDir != null, "an output directory is required");
        Preconditions.checkArgument(dataDir == null || !embeddedData, "give either --data or --embedded, not both");
        if (folderFormat != null) {
            SegmentationFolder.Format.parse(folderFormat);
            Preconditions.checkArgument(dataDir != null, "a folder dataset (--data-format %s) needs --data DIR with "
                    + "train/ and val/ folders", folderFormat);
            Preconditions.checkArgument(folderHeight >= 8 && folderWidth >= 8 && folderHeight <= 4096
                    && folderWidth <= 4096, "folder image size must be 8..4096, got %sx%s", folderHeight, folderWidth);
        }
        methodParams = ImmutableMap.copyOf(methodParams);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding every setting of this config, to derive a changed copy. */
    public Builder toBuilder() {
        return builder().method(method).methodParams(methodParams).teachers(teachers)
                .teacherCheckpoint(teacherCheckpoint).students(students).auxiliary(auxiliary).epochs(epochs)
                .batchSize(batchSize).learningRate(learningRate).seed(seed).canvas(canvas).items(minItems, maxItems)
                .trainScenes(trainScenes).testScenes(testScenes).dataDir(dataDir).folder(folderFormat, folderHeight, folderWidth)
                .embeddedData(embeddedData)
                .flip(flip).overlays(overlays).outDir(outDir).resume(resume).stopAfter(stopAfter).checkpointEvery(checkpointEvery).progress(progress);
    }

    /** Defaults: baseline, student fcn-resnet8, 10 epochs of 4000 64x64 scenes with 1..3 items, batch 32, lr 0.05. */
    public static final class Builder {
        private String method = "baseline";
        private Map<String, String> methodParams = Map.of();
        private List<String> teachers = List.of();
        private Path teacherCheckpoint;
        private List<String> students = List.of("fcn-resnet8");
        private boolean auxiliary;
        private int epochs = 10;
        private int batchSize = 32;
        private double learningRate = 0.05;
        private long seed = 42;
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
        private Path outDir;
        private boolean resume;
        private int stopAfter;
        private CheckpointPolicy checkpointEvery = CheckpointPolicy.DEFAULT;
        private boolean progress = true;

        private Builder() {
        }

        public Builder method(String v) { method = v; return this; }
        public Builder methodParams(Map<String, String> v) { methodParams = v; return this; }
        public Builder teachers(List<String> v) { teachers = v; return this; }
        public Builder teacherCheckpoint(Path v) { teacherCheckpoint = v; return this; }
        public Builder students(List<String> v) { students = v; return this; }
        public Builder auxiliary(boolean v) { auxiliary = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
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
        public Builder outDir(Path v) { outDir = v; return this; }
        public Builder resume(boolean v) { resume = v; return this; }
        public Builder stopAfter(int v) { stopAfter = v; return this; }
        public Builder checkpointEvery(CheckpointPolicy v) { checkpointEvery = v; return this; }
        public Builder progress(boolean v) { progress = v; return this; }

        public SegmentationConfig build() {
            return new SegmentationConfig(method, methodParams, teachers, teacherCheckpoint, students, auxiliary, epochs,
                    batchSize, learningRate, seed, canvas, minItems, maxItems, trainScenes, testScenes, dataDir,
                    folderFormat, folderHeight, folderWidth, embeddedData, flip, overlays, outDir, resume, stopAfter, checkpointEvery, progress);
        }
    }
}
