package dev.adm.cli;

import dev.adm.models.classification.SimilarityMaps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code adm visualize}: ADM's similarity map and weights over test images, and where consensus lands. */
@Command(name = "visualize", mixinStandardHelpOptions = true, description = {
        "Draw test images with the teacher/student similarity map S and ADM's consensus and divergence weights "
                + "(a PNG grid), and report the mean weights on the object and on the background.",
        "Works on any run directory with a teacher and a student (its checkpoint.zip)."})
final class VisualizeCommand implements Callable<Integer> {
    @Option(names = "--run", required = true, description = "run directory (from adm train classification)")
    Path run;
    @Option(names = "--out", description = "PNG to write; default <run>/similarity.png")
    Path out;
    @Option(names = "--images", defaultValue = "8", description = "rows in the grid; default ${DEFAULT-VALUE}")
    int images;
    @Option(names = "--statistics", defaultValue = "1000", description = "test images the statistics average over; "
            + "default ${DEFAULT-VALUE}")
    int statistics;

    @Override
    public Integer call() {
        if (images < 1) {
            throw new IllegalArgumentException("--images must be at least 1, got " + images);
        }
        if (statistics < 1) {
            throw new IllegalArgumentException("--statistics must be at least 1, got " + statistics);
        }
        Path png = out != null ? out : run.resolve("similarity.png");
        SimilarityMaps.Summary s = SimilarityMaps.draw(run, png, images, Math.max(images, statistics));
        System.out.printf(Locale.ROOT, "%s similarity, tau %.2f, %d test images; %.0f%% of feature-map locations lie "
                + "on the object%n", s.measure().name().toLowerCase(Locale.ROOT), s.tau(), s.images(),
                100 * s.foregroundShare());
        System.out.println("| weight (mean 1 per image) | on the object | on the background |\n|---|---:|---:|");
        System.out.printf(Locale.ROOT, "| consensus w_co | %.3f | %.3f |%n", s.coForeground(), s.coBackground());
        System.out.printf(Locale.ROOT, "| divergence w_di | %.3f | %.3f |%n", s.diForeground(), s.diBackground());
        System.out.println("wrote " + png);
        return 0;
    }
}
