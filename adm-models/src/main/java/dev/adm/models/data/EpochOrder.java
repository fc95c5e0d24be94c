package dev.adm.models.data;

import java.util.SplittableRandom;

/**
 * The example order of one epoch and the random stream of its augmentation, both a function of
 * (seed, epoch) only: what makes a run's data repeatable and resumable at any epoch. Shared by the
 * classification and segmentation iterators.
 */
public final class EpochOrder {
    private final int[] order;
    private final SplittableRandom augment;

    private EpochOrder(int[] order, SplittableRandom augment) {
        this.order = order;
        this.augment = augment;
    }

    /** {@code 0..size-1}, shuffled with a Fisher-Yates pass when {@code shuffle}. */
    public static EpochOrder of(int size, boolean shuffle, long seed, int epoch) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + epoch);
        if (shuffle) {
            for (int i = size - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return new EpochOrder(order, rnd.split());
    }

    public int size() {
        return order.length;
    }

    /** The example at position {@code i} of this epoch. */
    public int get(int i) {
        return order[i];
    }

    /** The epoch's augmentation randomness, drawn in example order. */
    public SplittableRandom augmentation() {
        return augment;
    }
}
