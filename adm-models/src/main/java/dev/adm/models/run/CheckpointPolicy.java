package dev.adm.models.run;

import com.google.common.base.Preconditions;

import java.util.Locale;

/**
 * When a run writes a checkpoint inside an epoch, besides the one at every epoch's end: every {@code steps} steps,
 * or every {@code seconds} seconds of training, whichever is set. A crash then costs at most that much work.
 *
 * @param steps   steps between mid-epoch checkpoints (0 = not by steps)
 * @param seconds seconds between mid-epoch checkpoints (0 = not by time)
 */
public record CheckpointPolicy(int steps, long seconds) {
    /** Only at the end of each epoch. */
    public static final CheckpointPolicy EPOCH_END = new CheckpointPolicy(0, 0);
    /** The default: every 10 minutes, so an hour-long epoch costs at most 10 minutes after a crash. */
    public static final CheckpointPolicy DEFAULT = new CheckpointPolicy(0, 600);

    public CheckpointPolicy {
        Preconditions.checkArgument(steps >= 0 && seconds >= 0, "checkpoint interval must be >= 0, got %s steps, "
                + "%s s", steps, seconds);
        Preconditions.checkArgument(steps == 0 || seconds == 0, "give the checkpoint interval in steps or in time, "
                + "not both");
    }

    /**
     * Parses {@code --checkpoint-every}: {@code 200} (steps), {@code 90s}, {@code 10m}, {@code 1h}, or {@code epoch}
     * (only at epoch ends).
     */
    public static CheckpointPolicy parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("epoch") || t.equals("0")) {
            return EPOCH_END;
        }
        try {
            char unit = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
            long scale = switch (unit) {
                case 's' -> 1;
                case 'm' -> 60;
                case 'h' -> 3600;
                default -> 0;
            };
            long n = Long.parseLong(scale == 0 ? t : t.substring(0, t.length() - 1));
            Preconditions.checkArgument(n > 0 && n <= Integer.MAX_VALUE, "not positive");
            return scale == 0 ? new CheckpointPolicy((int) n, 0) : new CheckpointPolicy(0, n * scale);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--checkpoint-every '" + text + "' is not an interval; give a number of "
                    + "steps (200), a time (90s, 10m, 1h) or 'epoch'");
        }
    }

    /** Whether a checkpoint is due after {@code steps} steps and {@code seconds} seconds since the last one. */
    public boolean due(int stepsSince, double secondsSince) {
        return (steps > 0 && stepsSince >= steps) || (seconds > 0 && secondsSince >= seconds);
    }

    @Override
    public String toString() {
        return steps > 0 ? steps + " steps" : seconds > 0 ? seconds + " s" : "epoch";
    }
}
