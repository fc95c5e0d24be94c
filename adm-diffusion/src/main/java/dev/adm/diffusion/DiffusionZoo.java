package dev.adm.diffusion;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * U-Nets by name. All end at a 64-channel bottleneck (tap {@code feat}), so a teacher and a student compare
 * channel by channel (ADM's cosine similarity and mimicry):
 * {@code unet-base} (base 32, levels 1-2-2, two blocks per level), {@code unet-small} (base 16, levels 1-2-4, one
 * block), {@code unet-tiny} (base 8, levels 2-4-8, one block), each with group norm. The suffix {@code -attn} (e.g.
 * {@code unet-base-attn}) adds self-attention at the lowest resolution; a further {@code -bn}
 * ({@code unet-base-bn}, {@code unet-base-attn-bn}) puts batch norm in place of group norm, for comparison.
 */
public final class DiffusionZoo {
    /** A named U-Net shape. */
    public record Spec(String name, int base, int[] multipliers, int blocks, boolean attention, UNet.Norm norm) {
        public Spec(String name, int base, int[] multipliers, int blocks) {
            this(name, base, multipliers, blocks, false, UNet.Norm.GROUP);
        }

        public UNet.Config config(int channels, int size, long seed, IUpdater updater) {
            return new UNet.Config(channels, size, base, multipliers, blocks, EMBEDDING, seed, updater,
                    DataType.FLOAT, attention, norm);
        }
    }

    /** The width of every zoo U-Net's timestep embedding. */
    public static final int EMBEDDING = 32;

    /** The suffix that adds self-attention at the lowest resolution. */
    public static final String ATTENTION_SUFFIX = "-attn";

    /** The suffix (after {@value #ATTENTION_SUFFIX}, if any) that puts batch norm in place of group norm. */
    public static final String BATCH_NORM_SUFFIX = "-bn";

    private static final Map<String, Spec> MODELS = new LinkedHashMap<>();

    static {
        register(new Spec("unet-base", 32, new int[]{1, 2, 2}, 2));
        register(new Spec("unet-small", 16, new int[]{1, 2, 4}, 1));
        register(new Spec("unet-tiny", 8, new int[]{2, 4, 8}, 1));
    }

    private DiffusionZoo() {
    }

    private static void register(Spec s) {
        MODELS.put(s.name(), s);
    }

    public static Map<String, Spec> all() {
        return Collections.unmodifiableMap(MODELS);
    }

    public static Spec get(String name) {
        String rest = name;
        boolean batchNorm = rest.endsWith(BATCH_NORM_SUFFIX);
        rest = batchNorm ? rest.substring(0, rest.length() - BATCH_NORM_SUFFIX.length()) : rest;
        boolean attention = rest.endsWith(ATTENTION_SUFFIX);
        rest = attention ? rest.substring(0, rest.length() - ATTENTION_SUFFIX.length()) : rest;
        Spec s = MODELS.get(rest);
        if (s == null) {
            throw new IllegalArgumentException("unknown diffusion model '" + name + "'; known: "
                    + String.join(", ", MODELS.keySet()) + ", each also with " + ATTENTION_SUFFIX
                    + " for self-attention at the lowest resolution and then " + BATCH_NORM_SUFFIX
                    + " for batch norm instead of group norm");
        }
        return new Spec(name, s.base(), s.multipliers(), s.blocks(), attention,
                batchNorm ? UNet.Norm.BATCH : UNet.Norm.GROUP);
    }
}
