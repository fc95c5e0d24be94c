package dev.adm.models.zoo;

import com.google.common.base.Preconditions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * What every zoo model is built for: input channels and size, class count, seed, optimiser and data type.
 * Immutable; build with {@link #builder()}.
 *
 * <pre>{@code
 * ModelConfig cfg = ModelConfig.builder().input(1, 28, 28).classes(10).seed(42).build();
 * ComputationGraph net = ModelZoo.get("resnet8").build(cfg);
 * }</pre>
 */
public record ModelConfig(int channels, int height, int width, int numClasses, long seed, IUpdater updater,
                          double l2, DataType dataType) {
    public ModelConfig {
        Preconditions.checkArgument(channels > 0 && height > 0 && width > 0,
                "input must be positive channels x height x width, got %sx%sx%s", channels, height, width);
        Preconditions.checkArgument(numClasses >= 2, "need at least 2 classes, got %s", numClasses);
        Preconditions.checkArgument(l2 >= 0, "l2 must be >= 0, got %s", l2);
        Preconditions.checkNotNull(updater, "updater");
        Preconditions.checkArgument(dataType == DataType.FLOAT || dataType == DataType.DOUBLE,
                "data type must be FLOAT or DOUBLE, got %s", dataType);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults: 3x32x32, 100 classes, seed 42, SGD-Nesterov lr 0.05 momentum 0.9, l2 5e-4, float. */
    public static final class Builder {
        private int channels = 3;
        private int height = 32;
        private int width = 32;
        private int numClasses = 100;
        private long seed = 42;
        private IUpdater updater = new Nesterovs(0.05, 0.9);
        private double l2 = 5e-4;
        private DataType dataType = DataType.FLOAT;

        public Builder input(int channels, int height, int width) {
            this.channels = channels;
            this.height = height;
            this.width = width;
            return this;
        }

        public Builder classes(int numClasses) {
            this.numClasses = numClasses;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder updater(IUpdater updater) {
            this.updater = updater;
            return this;
        }

        public Builder l2(double l2) {
            this.l2 = l2;
            return this;
        }

        public Builder dataType(DataType dataType) {
            this.dataType = dataType;
            return this;
        }

        public ModelConfig build() {
            return new ModelConfig(channels, height, width, numClasses, seed, updater, l2, dataType);
        }
    }
}
