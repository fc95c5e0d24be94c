package dev.adm.models.data;

import com.google.common.base.Preconditions;

/**
 * A dataset's training and test images, where they came from, and the per-channel mean and standard
 * deviation (of pixels scaled to [0,1]) used to standardise them.
 */
public record Splits(ImageSet train, ImageSet test, String source, double[] mean, double[] std) {
    public Splits {
        Preconditions.checkArgument(train.channels() == test.channels() && train.height() == test.height()
                        && train.width() == test.width() && train.numClasses() == test.numClasses(),
                "training and test images differ in shape or class count (%s)", source);
        Preconditions.checkArgument(mean.length == train.channels() && std.length == train.channels(),
                "need one mean and std per channel (%s channels)", train.channels());
    }

    /** An iterator builder over the training split, standardised with this dataset's statistics. */
    public ImageSetIterator.Builder trainIterator(int batchSize) {
        return ImageSetIterator.builder(train, batchSize).normalize(mean, std);
    }

    /** A plain (unshuffled, unaugmented) iterator over the test split. */
    public ImageSetIterator testIterator(int batchSize) {
        return ImageSetIterator.builder(test, batchSize).normalize(mean, std).build();
    }

    /**
     * The same images split for model selection: the last {@code n} training images become the evaluation split and
     * are no longer trained on; the test images are left out, so choices made on the result never see them.
     * {@code n = 0} returns these splits unchanged.
     */
    public Splits holdOutValidation(int n) {
        Preconditions.checkArgument(n >= 0 && n < train.size(), "a validation split needs between 1 and %s of the %s "
                + "training images, got %s", train.size() - 1, train.size(), n);
        if (n == 0) {
            return this;
        }
        return new Splits(train.slice(0, train.size() - n), train.slice(train.size() - n, train.size()),
                source + ", scored on its last " + n + " training images (validation)", mean, std);
    }

    /** The same splits with the training set cut to its first {@code n} images (0 = all). */
    public Splits limitTrain(int n) {
        return n <= 0 || n >= train.size() ? this : new Splits(train.slice(0, n), test, source, mean, std);
    }
}
