package dev.adm.core.engine;

/**
 * The tensors a network offers a {@link LossGraph}, described by their shapes: its logits, its taps and its
 * classifier head. The engine reads one off each {@code ComputationGraph}; {@code adm loss} off {@code .npy} files.
 * Shapes are per sample (no batch dimension).
 */
public interface NetworkSignature {
    /** The network's name, role and whether it trains. */
    NetworkRef ref();

    /** {@code [K]} for a classifier, {@code [K,h,w]} for per-pixel logits or a noise prediction. */
    long[] logitsShape();

    /** Whether the tap names the logits themselves (the tap {@code logits} of a zoo model): then it is the logits. */
    boolean isLogits(String tap);

    /** Whether the network has this tap. */
    boolean hasTap(String tap);

    /** The shape of a tap, e.g. {@code [C,H,W]}; an error naming the taps the network has otherwise. */
    long[] tapShape(String tap);

    /**
     * The network's classifier head, which {@link LossScope#classifier} applies to re-pooled features; an error
     * naming the fix when the network has no dense head on global average pooling.
     */
    Head head();

    /** Fails, naming the fix, unless {@code tap} is exactly the map the classifier head pools. */
    void checkFeedsClassifier(String tap);

    /**
     * A dense classifier head: weights {@code [inputs, classes]} and, when it has one, a bias {@code [1, classes]}.
     */
    record Head(long inputs, long classes, boolean bias) {
    }
}
