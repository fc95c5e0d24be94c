package dev.adm.cli;

import dev.adm.diffusion.DiffusionTrainer;
import dev.adm.models.classification.ClassificationTrainer;
import dev.adm.segmentation.SegmentationTrainer;

import java.util.Locale;
import java.util.Map;

/** Small Markdown tables for the terminal and summary files. */
final class Tables {
    private Tables() {
    }

    static String runTable(ClassificationTrainer.Result r) {
        StringBuilder sb = new StringBuilder("| network | final top-1 | train time |\n|---|---:|---:|\n");
        for (Map.Entry<String, Double> e : r.finalTop1().entrySet()) {
            sb.append(String.format(Locale.ROOT, "| %s | %.2f%% | %.0f s |%n", e.getKey(), 100 * e.getValue(),
                    r.trainSeconds()));
        }
        return sb.toString();
    }

    static String runTable(SegmentationTrainer.Result r) {
        StringBuilder sb = new StringBuilder("| network | final mIoU | pixel accuracy | train time |\n|---|---:|---:|---:|\n");
        for (Map.Entry<String, Double> e : r.finalMeanIou().entrySet()) {
            sb.append(String.format(Locale.ROOT, "| %s | %.2f%% | %.2f%% | %.0f s |%n", e.getKey(), 100 * e.getValue(),
                    100 * r.pixelAccuracy().getOrDefault(e.getKey(), Double.NaN), r.trainSeconds()));
        }
        return sb.toString();
    }

    static String runTable(DiffusionTrainer.Result r) {
        StringBuilder sb = new StringBuilder("| network | held-out denoising MSE | FID (Fashion-MNIST features) | "
                + "train time |\n|---|---:|---:|---:|\n");
        r.finalMse().forEach((k, v) -> sb.append(String.format(Locale.ROOT, "| %s | %.4f | %s | %.0f s |%n", k, v,
                r.fid().containsKey(k) ? String.format(Locale.ROOT, "%.2f", r.fid().get(k)) : "—", r.trainSeconds())));
        return sb.toString();
    }
}
