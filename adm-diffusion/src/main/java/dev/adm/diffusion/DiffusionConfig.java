package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import dev.adm.models.run.RunSettings;
import dev.adm.models.run.Task;
import dev.adm.models.run.TaskConfig;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything a diffusion run on Fashion-MNIST needs: the shared {@link RunSettings} (networks are U-Nets; the
 * methods are {@code baseline} (denoising), {@code output-kd}, {@code adm-output-kd} with a frozen teacher,
 * {@code dml} and {@code adm} with a joint one) plus the diffusion settings. Immutable; build with
 * {@link #builder()}, which validates.
 *
 * @param run           the settings every task shares; the learning rate is Adam's, cosine-annealed per epoch; a
 *                      frozen teacher is a U-Net exported by a run ({@code student.zip})
 * @param schedule      noise schedule, {@code linear} or {@code cosine}
 * @param steps         diffusion steps T
 * @param downsample    average-pooling factor of the 28x28 images (1 or 2)
 * @param dataDir       Fashion-MNIST IDX directory (null: the system copy or the embedded subset)
 * @param embeddedData  use the embedded subset even when the full set is installed
 * @param trainLimit    train on the first N images (0 = all)
 * @param evalImages    held-out images of the per-epoch denoising MSE
 * @param samples       images sampled per network at the end ({@code samples-<network>.png})
 * @param samplingSteps DDIM steps of those samples
 * @param fidSamples    images sampled per network for the FID at the end (0 = no FID)
 * @param fidClassifier directory of the FID feature networks ({@code fid-resnet8-<size>.zip}): trained there on
 *                      first use, then reused
 * @param fidEvery      also take the FID (and the confident share) every this many epochs, into {@code metrics.csv}
 *                      ({@code fid:<network>}, {@code confident:<network>}): the curve of a long run; 0 = only at
 *                      the end. A multiple of the run's {@code scoreEvery}
 */
public record DiffusionConfig(RunSettings run, String schedule, int steps, int downsample, Path dataDir,
                              boolean embeddedData, int trainLimit, int evalImages, int samples, int samplingSteps,
                              int fidSamples, Path fidClassifier, int fidEvery) implements TaskConfig {
    public DiffusionConfig {
        Objects.requireNonNull(run, "run settings");
        run.teachers().forEach(DiffusionZoo::get);
        run.students().forEach(DiffusionZoo::get);
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
        Preconditions.checkArgument(dataDir == null || !embeddedData, "give either --data or --embedded, not both");
        Preconditions.checkArgument(fidEvery >= 0 && fidEvery % run.scoreEvery() == 0, "--fid-every must be 0 or a "
                + "multiple of --score-every (%s), got %s", run.scoreEvery(), fidEvery);
        Preconditions.checkArgument(fidEvery == 0 || fidSamples > 0, "--fid-every needs --fid-samples > 0");
    }

    @Override
    public DiffusionConfig withRun(RunSettings other) {
        return new DiffusionConfig(other, schedule, steps, downsample, dataDir, embeddedData, trainLimit, evalImages,
                samples, samplingSteps, fidSamples, fidClassifier, fidEvery);
    }

    @Override
    public Task task() {
        return new DiffusionTrainer(this);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding every setting of this config, to derive a changed copy. */
    public Builder toBuilder() {
        return builder().settings(run).schedule(schedule).steps(steps).downsample(downsample).dataDir(dataDir)
                .embeddedData(embeddedData).trainLimit(trainLimit).evalImages(evalImages).samples(samples)
                .samplingSteps(samplingSteps).fidSamples(fidSamples).fidClassifier(fidClassifier).fidEvery(fidEvery);
    }

    /**
     * Defaults: baseline unet-small, 10 epochs, batch 64, Adam 2e-3, cosine schedule of 1000 steps, 14x14 images
     * (padded to 16), run directory {@code runs/diffusion}.
     */
    public static final class Builder extends RunSettings.Builder<Builder> {
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
        private int fidEvery;

        private Builder() {
            student("unet-small").batchSize(64).learningRate(2e-3).outDir(Path.of("runs", "diffusion"));
        }

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
        public Builder fidEvery(int v) { fidEvery = v; return this; }

        public DiffusionConfig build() {
            return new DiffusionConfig(settings(), schedule, steps, downsample, dataDir, embeddedData, trainLimit,
                    evalImages, samples, samplingSteps, fidSamples, fidClassifier, fidEvery);
        }
    }
}
