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
                + "(a PNG grid), and report the mean similarity and weights on the object and on the background, "
                + "and the share of each network's attention on the object.",
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
        System.out.printf(Locale.ROOT, "%s similarity, tau %.2f, %d test images; %.1f%% of feature-map locations lie "
                + "on the object%n", s.measure().name().toLowerCase(Locale.ROOT), s.tau(), s.images(),
                100 * s.objectShare());
        System.out.println("| per feature-map location | on the object | on the background | share on the object |");
        System.out.println("|---|---:|---:|---:|");
        System.out.printf(Locale.ROOT, "| similarity S | %.3f | %.3f | |%n", s.similarity().object(),
                s.similarity().background());
        System.out.printf(Locale.ROOT, "| consensus weight w_co (mean 1 per image) | %.3f | %.3f | %.1f%% |%n",
                s.consensus().object(), s.consensus().background(), 100 * s.consensusOnObject());
        System.out.printf(Locale.ROOT, "| divergence weight w_di (mean 1 per image) | %.3f | %.3f | %.1f%% |%n",
                s.divergence().object(), s.divergence().background(), 100 * s.divergenceOnObject());
        System.out.printf(Locale.ROOT, "| teacher attention mean_c F^2 | | | %.1f%% |%n", 100 * s.teacherObjectFocus());
        System.out.printf(Locale.ROOT, "| student attention mean_c F^2 | | | %.1f%% |%n", 100 * s.studentObjectFocus());
        System.out.println("wrote " + png);
        return 0;
    }
}
