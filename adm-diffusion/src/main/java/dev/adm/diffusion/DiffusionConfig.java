package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;

import dev.adm.models.run.CheckpointPolicy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything a diffusion run on Fashion-MNIST needs. Immutable; build with {@link #builder()}, which validates.
 *
 * @param method            registry name: {@code baseline} (denoising), {@code output-kd}, {@code adm-output-kd}
 *                          (offline, frozen teacher), {@code dml}, {@code adm} (online)
 * @param teachers          U-Nets trained jointly (online methods)
 * @param teacherCheckpoint a U-Net exported by a run ({@code student.zip}), frozen; or null
 * @param students          U-Nets of the students
 * @param learningRate      initial Adam learning rate, cosine-annealed per epoch
 * @param schedule          noise schedule, {@code linear} or {@code cosine}
 * @param steps             diffusion steps T
 * @param downsample        average-pooling factor of the 28x28 images (1 or 2)
 * @param trainLimit        train on the first N images (0 = all)
 * @param evalImages        held-out images of the per-epoch denoising MSE
 * @param samples           images sampled per network at the end ({@code samples-<network>.png})
 * @param samplingSteps     DDIM steps of those samples
 * @param fidSamples        images sampled per network for the FID at the end (0 = no FID)
 * @param fidClassifier     directory of the FID feature networks ({@code fid-resnet8-<size>.zip}): trained there on
 *                          first use, then reused
 * @param checkpointEvery   when to checkpoint inside an epoch (always at its end too)
 */
public record DiffusionConfig(String method, Map<String, String> methodParams, List<String> teachers,
                              Path teacherCheckpoint, List<String> students, int epochs, int batchSize,
                              double learningRate, long seed, String schedule, int steps, int downsample,
                              Path dataDir, boolean embeddedData, int trainLimit, int evalImages, int samples,
                              int samplingSteps, int fidSamples, Path fidClassifier, Path outDir, boolean resume,
                              int stopAfter, CheckpointPolicy checkpointEvery,
                                   boolean progress) {
    public DiffusionConfig {
        Preconditions.checkArgument(method != null && !method.isBlank(), "method is required");
        teachers = List.copyOf(teachers);
        students = List.copyOf(students);
        Preconditions.checkArgument(!students.isEmpty(), "a student model is required (--student)");
        Preconditions.checkArgument(teachers.isEmpty() || teacherCheckpoint == null,
                "give either --teacher (trained jointly) or --teacher-checkpoint (frozen), not both");
        teachers.forEach(DiffusionZoo::get);
        students.forEach(DiffusionZoo::get);
        Preconditions.checkArgument(epochs >= 1 && batchSize >= 1, "epochs and batch size must be >= 1");
        Preconditions.checkArgument(learningRate > 0, "learning rate must be > 0, got %s", learningRate);
        NoiseSchedule.parse(schedule, steps);
        Preconditions.checkArgument(downsample == 1 || downsample == 2, "downsample must be 1 (28x28) or 2 (14x14), "
                + "got %s", downsample);
        Preconditions.checkArgument(trainLimit >= 0 && evalImages >= 1 && samples >= 0, "train limit >= 0, eval "
                + "images >= 1 and samples >= 0 needed");
        Preconditions.checkArgument(samplingSteps >= 1 && samplingSteps <= steps, "sampling steps must be 1..%s, got "
                + "%s", steps, samplingSteps);
        Preconditions.checkArgument(fidSamples == 0 || fidSamples >= 10, "FID needs at least 10 samples (0 = no "
                + "FID), got %s", fidSamples);
        Preconditions.checkArgument(fidSamples == 0 || fidClassifier != null, "an FID classifier file is required");
        Preconditions.checkArgument(stopAfter >= 0, "stop-after must be >= 0, got %s", stopAfter);
        Preconditions.checkArgument(checkpointEvery != null, "a checkpoint policy is required");
        Preconditions.checkArgument(outDir != null, "an output directory is required");
        Preconditions.checkArgument(dataDir == null || !embeddedData, "give either --data or --embedded, not both");
        methodParams = ImmutableMap.copyOf(methodParams);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return builder().method(method).methodParams(methodParams).teachers(teachers)
                .teacherCheckpoint(teacherCheckpoint).students(students).epochs(epochs).batchSize(batchSize)
                .learningRate(learningRate).seed(seed).schedule(schedule).steps(steps).downsample(downsample)
                .dataDir(dataDir).embeddedData(embeddedData).trainLimit(trainLimit).evalImages(evalImages)
                .samples(samples).samplingSteps(samplingSteps).fidSamples(fidSamples).fidClassifier(fidClassifier)
                .outDir(outDir).resume(resume).stopAfter(stopAfter).checkpointEvery(checkpointEvery)
                .progress(progress);
    }

    /** Defaults: baseline unet-small, 10 epochs, batch 64, Adam 2e-3, cosine schedule of 1000 steps, 14x14 images (padded to 16). */
    public static final class Builder {
        private String method = "baseline";
        private Map<String, String> methodParams = Map.of();
        private List<String> teachers = List.of();
        private Path teacherCheckpoint;
        private List<String> students = List.of("unet-small");
        private int epochs = 10;
        private int batchSize = 64;
        private double learningRate = 2e-3;
        private long seed = 42;
        private String schedule = "cosine";
        private int steps = 1000;
        private int downsample = 2;
        private Path dataDir;
        private boolean embeddedData;
        private int trainLimit;
        private int evalImages = 500;
        private int samples = 64;
        private int samplingSteps = 50;
        private int fidSamples = 1000;
        private Path fidClassifier = Path.of("runs", "fid-classifier");
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
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder schedule(String v) { schedule = v; return this; }
        public Builder steps(int v) { steps = v; return this; }
        public Builder downsample(int v) { downsample = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder embeddedData(boolean v) { embeddedData = v; return this; }
        public Builder trainLimit(int v) { trainLimit = v; return this; }
        public Builder evalImages(int v) { evalImages = v; return this; }
        public Builder samples(int v) { samples = v; return this; }
        public Builder samplingSteps(int v) { samplingSteps = v; return this; }
        public Builder fidSamples(int v) { fidSamples = v; return this; }
        /** A directory: the classifier is stored as {@code fid-resnet8-<size>.zip} in it. */
        public Builder fidClassifier(Path v) { fidClassifier = v; return this; }
        public Builder outDir(Path v) { outDir = v; return this; }
        public Builder resume(boolean v) { resume = v; return this; }
        public Builder stopAfter(int v) { stopAfter = v; return this; }
        public Builder checkpointEvery(CheckpointPolicy v) { checkpointEvery = v; return this; }
        public Builder progress(boolean v) { progress = v; return this; }

        public DiffusionConfig build() {
            return new DiffusionConfig(method, methodParams, teachers, teacherCheckpoint, students, epochs, batchSize,
                    learningRate, seed, schedule, steps, downsample, dataDir, embeddedData, trainLimit, evalImages,
                    samples, samplingSteps, fidSamples, fidClassifier, outDir, resume, stopAfter, checkpointEvery, progress);
        }
    }
}
