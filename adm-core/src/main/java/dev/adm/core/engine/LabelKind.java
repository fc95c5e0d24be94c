package dev.adm.core.engine;

import java.util.Locale;

/** The kinds of labels a task trains on, and so the kinds a method's losses must be defined on. */
public enum LabelKind {
    /** One-hot classes per image, {@code [B,K]}: classification. */
    CLASS("image-level class labels (classification)"),
    /** One-hot classes per pixel, {@code [B,K,H,W]}, an ignored pixel all zeros: segmentation. */
    PIXEL("per-pixel class labels (segmentation)"),
    /** Real-valued regression targets: a diffusion model's noise. */
    TARGET("regression targets (diffusion)");

    private final String description;

    LabelKind(String description) {
        this.description = description;
    }

    /** The kind of labels of a given per-sample shape. */
    public static LabelKind of(long[] labelShape, boolean targets) {
        return targets ? TARGET : labelShape.length == 1 ? CLASS : PIXEL;
    }

    /** What the kind is, in words, e.g. {@code per-pixel class labels (segmentation)}. */
    public String description() {
        return description;
    }

    /** The task the kind belongs to, lower-case: {@code classification}, {@code segmentation}, {@code diffusion}. */
    public String task() {
        return description.substring(description.indexOf('(') + 1, description.length() - 1).toLowerCase(Locale.ROOT);
    }
}
