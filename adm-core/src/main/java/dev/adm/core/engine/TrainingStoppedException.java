package dev.adm.core.engine;

/**
 * A step refused because a loss or a gradient is not finite. Nothing was updated, so the networks hold their state
 * from before the step; the message names the step, the epoch and the loss term or network.
 */
public final class TrainingStoppedException extends IllegalStateException {
    private final long step;

    TrainingStoppedException(String message, long step) {
        super(message);
        this.step = step;
    }

    /** The 1-based number of the refused step. */
    public long step() {
        return step;
    }
}
