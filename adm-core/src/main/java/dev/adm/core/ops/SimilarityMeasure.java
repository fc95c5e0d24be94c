package dev.adm.core.ops;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How two feature maps are compared location by location (docs/methods.md#adm, step 2).
 *
 * <ul>
 *   <li>{@link #COSINE}: {@code S_i = <F_s,i, F_t,i> / max(|F_s,i| |F_t,i|, 1e-8)}; needs equal channel counts.</li>
 *   <li>{@link #ATTENTION}: {@code a_i = mean_c F_c,i^2}, {@code â = a / max(max_i a_i, 1e-8)} per sample,
 *       {@code S_i = 1 - |â_s,i - â_t,i|}; works for any channel counts.</li>
 * </ul>
 */
public enum SimilarityMeasure {
    COSINE,
    ATTENTION;

    /** The lower-case name used in configs and on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code cosine} or {@code attention}; anything else is an error listing both. */
    public static SimilarityMeasure parse(String value) {
        for (SimilarityMeasure m : values()) {
            if (m.id().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown similarity '" + value + "'; use one of "
                + Arrays.stream(values()).map(SimilarityMeasure::id).collect(Collectors.joining(", ")));
    }
}
