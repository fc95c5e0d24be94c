package dev.adm.cli;

import dev.adm.models.run.RunResult;
import dev.adm.models.run.TrainingRun;

import java.util.Locale;
import java.util.Map;

/** Small Markdown tables for the terminal and summary files. */
final class Tables {
    private Tables() {
    }

    /** One row per network: its final score, every further final number of the task, the training time. */
    static String runTable(RunResult r, TrainingRun.Metric metric) {
        StringBuilder sb = new StringBuilder("| network | final " + metric.display() + " |");
        r.details().keySet().forEach(k -> sb.append(' ').append(k).append(" |"));
        sb.append(" train time |\n|---|---:|").append("---:|".repeat(r.details().size())).append("---:|\n");
        for (Map.Entry<String, Double> e : r.finalScores().entrySet()) {
            sb.append("| ").append(e.getKey()).append(" | ").append(value(e.getValue(), metric.higherIsBetter()))
                    .append(" |");
            r.details().forEach((k, byNetwork) -> sb.append(' ').append(value(byNetwork.getOrDefault(e.getKey(),
                    Double.NaN), metric.higherIsBetter())).append(" |"));
            sb.append(String.format(Locale.ROOT, " %.0f s |%n", r.trainSeconds()));
        }
        return sb.toString();
    }

    /** A share as a percentage, an error with four decimals; a missing value as a dash. */
    private static String value(double v, boolean share) {
        if (Double.isNaN(v)) {
            return "—";
        }
        return share ? String.format(Locale.ROOT, "%.2f%%", 100 * v) : String.format(Locale.ROOT, "%.4f", v);
    }
}
