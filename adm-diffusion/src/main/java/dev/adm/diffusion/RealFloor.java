package dev.adm.diffusion;

import com.google.common.base.Preconditions;

/**
 * What real images score in the project's FID, so that a model's FID reads as a distance from it: the FID between
 * the reference test images (the first 2,000, or the first half when there are fewer than 2,000 + n) and {@code n}
 * other, disjoint test images, {@code n} being the number of samples a model is scored with (FID's bias depends on
 * it); and the share of those real images the feature classifier assigns a class with probability above
 * {@value #CONFIDENT}.
 *
 * @param reference      the reference images' feature moments, which every model's samples are compared with
 * @param fid            the FID of the {@code samples} other real images against them
 * @param samples        how many real images that FID uses
 * @param confidentShare the share of those images classified with probability above {@value #CONFIDENT}
 */
public record RealFloor(FrechetDistance.Moments reference, double fid, int samples, double confidentShare) {
    /** The probability above which a sample counts as confidently classified. */
    public static final double CONFIDENT = 0.9;
    private static final int REFERENCE = 2000;

    /** The floor for models scored with {@code samples} samples, from the test images of {@code test}. */
    public static RealFloor of(FidClassifier features, DenoisingData test, int samples) {
        Preconditions.checkArgument(test.count() >= 4, "the FID floor needs at least 4 test images, got %s",
                test.count());
        int reference = Math.min(REFERENCE, test.count() - Math.min(samples, test.count() / 2));
        int others = Math.min(samples, test.count() - reference);
        var moments = FrechetDistance.Moments.of(features.features(test, reference));
        var other = test.clean(FidClassifier.range(reference, reference + others));
        double fid = FrechetDistance.between(moments, FrechetDistance.Moments.of(features.features(other)));
        return new RealFloor(moments, fid, others, features.confidentShare(other, CONFIDENT));
    }
}
