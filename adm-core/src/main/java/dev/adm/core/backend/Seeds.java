package dev.adm.core.backend;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeds for ND4J's random generator that make its draws repeatable. ND4J 1.0.0-M2.1's native generator does not
 * restart on {@code setSeed(0)}: its draws then depend on what it drew before (a network built with seed 0, or a
 * step seeded 0, differs from one run to the next). Seed 0 is therefore replaced by a fixed other seed; every other
 * seed is kept, so no other run changes.
 */
public final class Seeds {
    /** What seed 0 becomes. */
    private static final long ZERO = 0x9E3779B97F4A7C15L;

    private Seeds() {
    }

    /** {@code seed}, or a fixed nonzero seed in place of 0. */
    public static long usable(long seed) {
        return seed != 0 ? seed : ZERO;
    }

    /** Restarts ND4J's generator of this thread from {@code seed} (0 included). */
    public static void restart(long seed) {
        Nd4j.getRandom().setSeed(usable(seed));
    }
}
