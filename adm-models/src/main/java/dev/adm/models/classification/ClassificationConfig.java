package dev.adm.models.classification;

import com.google.common.base.Preconditions;
import dev.adm.models.data.Datasets;
import dev.adm.models.run.RunSettings;
import dev.adm.models.run.Task;
import dev.adm.models.run.TaskConfig;
import dev.adm.models.zoo.ModelZoo;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything a classification run needs: the shared {@link RunSettings} (networks are zoo models) plus the data.
 * Immutable; build with {@link #builder()}, which validates.
 *
 * <pre>{@code
 * ClassificationConfig cfg = ClassificationConfig.builder().method("adm").teacher("resnet20").student("resnet8")
 *         .epochs(10).outDir(Path.of("runs/adm")).build();
 * RunResult r = ClassificationTrainer.run(cfg);
 * }</pre>
 *
 * @param run          the settings every task shares
 * @param dataset      dataset name (see {@code Datasets.NAMES}); default fashion-mnist
 * @param dataDir      the dataset's directory; for fashion-mnist null means the system copy or the embedded subset
 * @param imageSize    square size images of a {@code folder} dataset are resized to
 * @param embeddedData use the subset embedded in the jar even when the full set is installed
 * @param trainLimit   use only the first N training images (0 = all)
 * @param validation   score on the last N training images instead of the test set, and train on the others and
 *                     within {@code trainLimit} (0 = score on the test set); for choosing settings without the test
 *                     set
 * @param augment      pad-crop + flip augmentation of the training set
 */
public record ClassificationConfig(RunSettings run, String dataset, Path dataDir, int imageSize,
                                   boolean embeddedData, int trainLimit, int validation, boolean augment) implements TaskConfig {
    public ClassificationConfig {
        Objects.requireNonNull(run, "run settings");
        run.teachers().forEach(ModelZoo::get); // an unknown model fails listing the known ones
        run.students().forEach(ModelZoo::get);
        Preconditions.checkArgument(Datasets.NAMES.contains(dataset), "unknown dataset '%s'; known: %s", dataset,
                Datasets.NAMES);
        Preconditions.checkArgument(trainLimit >= 0, "train limit must be >= 0, got %s", trainLimit);
        Preconditions.checkArgument(validation >= 0, "validation images must be >= 0, got %s", validation);
        Preconditions.checkArgument(dataDir == null || !embeddedData, "give either --data or --embedded, not both");
        Preconditions.checkArgument(imageSize > 0, "image size must be positive, got %s", imageSize);
    }

    @Override
    public ClassificationConfig withRun(RunSettings other) {
        return new ClassificationConfig(other, dataset, dataDir, imageSize, embeddedData, trainLimit, validation,
                augment);
    }

    @Override
    public Task task() {
        return new ClassificationTrainer(this);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding every setting of this config, to derive a changed copy. */
    public Builder toBuilder() {
        return builder().settings(run).dataset(dataset).dataDir(dataDir).imageSize(imageSize)
                .embeddedData(embeddedData).trainLimit(trainLimit).validation(validation).augment(augment);
    }

    /**
     * Defaults: baseline, resnet8 student, 10 epochs, batch 128, lr 0.05, seed 42, Fashion-MNIST with augmentation,
     * run directory {@code runs/run}.
     */
    public static final class Builder extends RunSettings.Builder<Builder> {
        private String dataset = "fashion-mnist";
        private Path dataDir;
        private int imageSize = 32;
        private boolean embeddedData;
        private int trainLimit;
        private int validation;
        private boolean augment = true;

        private Builder() {
            student("resnet8").batchSize(128).learningRate(0.05).outDir(Path.of("runs", "run"));
        }

        public Builder dataset(String v) { dataset = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder imageSize(int v) { imageSize = v; return this; }
        public Builder embeddedData(boolean v) { embeddedData = v; return this; }
        public Builder trainLimit(int v) { trainLimit = v; return this; }
        public Builder validation(int v) { validation = v; return this; }
        public Builder augment(boolean v) { augment = v; return this; }

        public ClassificationConfig build() {
            return new ClassificationConfig(settings(), dataset, dataDir, imageSize, embeddedData, trainLimit,
                    validation, augment);
        }
    }
}
