package dev.adm.models.classification;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;

import dev.adm.models.run.CheckpointPolicy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything a classification run needs. Immutable; build with {@link #builder()}, which validates.
 *
 * @param method            registry name of the method ({@code baseline}, {@code kd}, {@code dml}, {@code adm}, ...)
 * @param methodParams      overrides of the method's parameters
 * @param teachers          zoo models of teachers trained from scratch (jointly); empty for none
 * @param teacherCheckpoint a trained classifier (.zip) used as a frozen teacher, or null
 * @param students          zoo models of the students, at least one (the only network for {@code baseline})
 * @param epochs            number of epochs, >= 1
 * @param batchSize         minibatch size
 * @param learningRate      initial SGD-Nesterov learning rate (cosine-annealed per epoch)
 * @param seed              seed of weights, shuffling and augmentation
 * @param dataset           dataset name (see {@code Datasets.NAMES}); default fashion-mnist
 * @param dataDir           the dataset's directory; for fashion-mnist null means the system copy or the embedded subset
 * @param imageSize         square size images of a {@code folder} dataset are resized to
 * @param embeddedData      use the subset embedded in the jar even when the full set is installed
 * @param trainLimit        use only the first N training images (0 = all)
 * @param augment           pad-crop + flip augmentation of the training set
 * @param outDir            run directory (results, checkpoint, models)
 * @param resume            continue from {@code outDir/checkpoint.zip}
 * @param stopAfter         stop (resumably) after this many epochs of this invocation; 0 = run to the end
 * @param checkpointEvery   when to checkpoint inside an epoch (always at its end too)
 * @param progress          draw a progress bar
 */
public record ClassificationConfig(String method, Map<String, String> methodParams, List<String> teachers,
                                   Path teacherCheckpoint, List<String> students, int epochs, int batchSize,
                                   double learningRate, long seed, String dataset, Path dataDir, int imageSize,
                                   boolean embeddedData, int trainLimit, boolean augment,
                                   Path outDir, boolean resume, int stopAfter, CheckpointPolicy checkpointEvery,
                                   boolean progress) {
    public ClassificationConfig {
        Preconditions.checkArgument(method != null && !method.isBlank(), "method is required");
        teachers = List.copyOf(teachers);
        students = List.copyOf(students);
        Preconditions.checkArgument(!students.isEmpty(), "a student model is required (--student)");
        Preconditions.checkArgument(teachers.isEmpty() || teacherCheckpoint == null,
                "give either --teacher (trained jointly) or --teacher-checkpoint (frozen), not both");
        Preconditions.checkArgument(epochs >= 1, "epochs must be >= 1, got %s", epochs);
        Preconditions.checkArgument(batchSize >= 1, "batch size must be >= 1, got %s", batchSize);
        Preconditions.checkArgument(learningRate > 0, "learning rate must be > 0, got %s", learningRate);
        Preconditions.checkArgument(stopAfter >= 0, "stop-after must be >= 0, got %s", stopAfter);
        Preconditions.checkArgument(checkpointEvery != null, "a checkpoint policy is required");
        Preconditions.checkArgument(trainLimit >= 0, "train limit must be >= 0, got %s", trainLimit);
        Preconditions.checkArgument(outDir != null, "an output directory is required");
        Preconditions.checkArgument(dataDir == null || !embeddedData, "give either --data or --embedded, not both");
        Preconditions.checkArgument(imageSize > 0, "image size must be positive, got %s", imageSize);
        methodParams = ImmutableMap.copyOf(methodParams);
    }

    /** The network names: {@code teacher}/{@code student}, numbered from 1 when there are several. */
    public static String networkName(String role, int index, int count) {
        return count == 1 ? role : role + (index + 1);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding every setting of this config, to derive a changed copy. */
    public Builder toBuilder() {
        return builder().method(method).methodParams(methodParams).teachers(teachers)
                .teacherCheckpoint(teacherCheckpoint).students(students).epochs(epochs).batchSize(batchSize)
                .learningRate(learningRate).seed(seed).dataset(dataset).dataDir(dataDir).imageSize(imageSize)
                .embeddedData(embeddedData).trainLimit(trainLimit).augment(augment).outDir(outDir).resume(resume)
                .stopAfter(stopAfter).checkpointEvery(checkpointEvery).progress(progress);
    }

    /** Defaults: resnet8 student, 10 epochs, batch 128, lr 0.05, seed 42, augmentation on, progress bar on. */
    public static final class Builder {
        private String method = "baseline";
        private Map<String, String> methodParams = Map.of();
        private List<String> teachers = List.of();
        private Path teacherCheckpoint;
        private List<String> students = List.of("resnet8");
        private int epochs = 10;
        private int batchSize = 128;
        private double learningRate = 0.05;
        private long seed = 42;
        private String dataset = "fashion-mnist";
        private Path dataDir;
        private int imageSize = 32;
        private boolean embeddedData;
        private int trainLimit;
        private boolean augment = true;
        private Path outDir = Path.of("runs", "run");
        private boolean resume;
        private int stopAfter;
        private CheckpointPolicy checkpointEvery = CheckpointPolicy.DEFAULT;
        private boolean progress = true;

        public Builder method(String v) { method = v; return this; }
        public Builder methodParams(Map<String, String> v) { methodParams = v; return this; }
        public Builder teacher(String v) { teachers = v == null ? List.of() : List.of(v); return this; }
        public Builder teachers(List<String> v) { teachers = v == null ? List.of() : v; return this; }
        public Builder teacherCheckpoint(Path v) { teacherCheckpoint = v; return this; }
        public Builder student(String v) { students = List.of(v); return this; }
        public Builder students(List<String> v) { students = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder dataset(String v) { dataset = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder imageSize(int v) { imageSize = v; return this; }
        public Builder embeddedData(boolean v) { embeddedData = v; return this; }
        public Builder trainLimit(int v) { trainLimit = v; return this; }
        public Builder augment(boolean v) { augment = v; return this; }
        public Builder outDir(Path v) { outDir = v; return this; }
        public Builder resume(boolean v) { resume = v; return this; }
        public Builder stopAfter(int v) { stopAfter = v; return this; }
        public Builder checkpointEvery(CheckpointPolicy v) { checkpointEvery = v; return this; }
        public Builder progress(boolean v) { progress = v; return this; }

        public ClassificationConfig build() {
            return new ClassificationConfig(method, methodParams, teachers, teacherCheckpoint, students, epochs,
                    batchSize, learningRate, seed, dataset, dataDir, imageSize, embeddedData, trainLimit, augment, outDir, resume, stopAfter, checkpointEvery, progress);
        }
    }
}
