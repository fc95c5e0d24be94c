package dev.adm.core.engine;

/**
 * The tap names models share and methods read. Every zoo model exposes {@link #FEAT}; a segmentation network with
 * an auxiliary head exposes {@link #AUX}; the tap {@link #LOGITS} is the network's logits themselves.
 */
public final class Taps {
    /** The last feature map before global pooling (the one ADM compares, and CWD's default). */
    public static final String FEAT = "feat";
    /** The per-pixel logits of an auxiliary head (PSPNet, DeepLab; RDD's measure of teacher difficulty). */
    public static final String AUX = "aux";
    /** The logits, read as a map (dense prediction). */
    public static final String LOGITS = "logits";

    private Taps() {
    }
}
