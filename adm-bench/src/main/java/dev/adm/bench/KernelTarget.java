package dev.adm.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.common.base.Preconditions;
import com.google.common.math.Quantiles;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * {@code ./adm bench --target}: the kernel's bandwidth target, measured so that a shared machine's drift
 * cancels. The triad and the similarity kernel on [128,64,16,16] alternate for a number of rounds, each a
 * separate JMH run in sample mode. The kernel writes a reused output, as the triad writes in place; the op
 * that allocates its result is measured in the same round and reported beside it. A round's share is the
 * kernel's median bandwidth over the triad's median bandwidth from the same minute, and the verdict uses the
 * median share over the rounds. (One sweep that runs
 * the triad once and the kernel minutes later compares two different machines when neighbours come and go.)
 */
final class KernelTarget {
    static final int DEFAULT_ROUNDS = 5;
    private static final int BATCH = 128;
    private static final int CHANNELS = 64;
    private static final int SIZE = 16;
    static final String SHAPE = "[" + BATCH + "," + CHANNELS + "," + SIZE + "," + SIZE + "]";
    /** Share of the triad's bandwidth the kernel must reach on {@link #SHAPE}. */
    static final double TARGET = 0.70;
    private static final long TRIAD_LENGTH = 1L << 25;
    /** Both inputs of the shape, read once. */
    private static final double KERNEL_BYTES = 2.0 * 4 * BATCH * CHANNELS * SIZE * SIZE;

    private KernelTarget() {
    }

    /** Effective bandwidth in GB/s of moving {@code bytes} in {@code ms} milliseconds. */
    static double gbs(double bytes, double ms) {
        return bytes / (ms * 1e-3) / 1e9;
    }

    /**
     * One round's medians in milliseconds per call: the triad, the kernel writing a reused output (as the triad
     * writes its {@code y} in place; the target is judged on it) and the op allocating a new result per call.
     */
    record Round(double triadMs, double kernelMs, double allocatingMs) {
        Round {
            Preconditions.checkArgument(triadMs > 0 && kernelMs > 0 && allocatingMs > 0,
                    "round times must be positive, got triad %s ms, kernel %s ms and allocating op %s ms",
                    triadMs, kernelMs, allocatingMs);
        }

        double triadGbs() {
            return gbs(3.0 * 4 * TRIAD_LENGTH, triadMs);
        }

        double kernelGbs() {
            return gbs(KERNEL_BYTES, kernelMs);
        }

        double share() {
            return kernelGbs() / triadGbs();
        }

        double allocatingShare() {
            return gbs(KERNEL_BYTES, allocatingMs) / triadGbs();
        }
    }

    static void run(int rounds, Path out) throws RunnerException, IOException {
        Preconditions.checkArgument(rounds > 0, "rounds must be positive, got %s", rounds);
        List<Round> done = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double triad = median(options(TriadBenchmark.class.getSimpleName()));
            double kernel = median(similarity("admSimilarityInto"));
            double allocating = median(similarity("admSimilarity"));
            done.add(new Round(triad, kernel, allocating));
            System.out.printf(Locale.ROOT, "round %d of %d: share %.0f%% (%.0f%% with a new result per call)%n",
                    r + 1, rounds, 100 * done.get(r).share(), 100 * done.get(r).allocatingShare());
        }
        System.out.println();
        System.out.print(table(done));
        Files.createDirectories(out.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), summary(done));
        System.out.println("saved: " + out.toAbsolutePath());
    }

    private static ChainedOptionsBuilder similarity(String method) {
        return options(SimilarityBenchmark.class.getSimpleName() + "." + method + "$")
                .param("batch", String.valueOf(BATCH)).param("channels", String.valueOf(CHANNELS))
                .param("size", String.valueOf(SIZE));
    }

    private static ChainedOptionsBuilder options(String include) {
        return new OptionsBuilder().include(include).forks(1)
                .mode(Mode.SampleTime).timeUnit(TimeUnit.MILLISECONDS)
                .warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(TimeValue.seconds(1));
    }

    private static double median(ChainedOptionsBuilder options) throws RunnerException {
        RunResult result = new Runner(options.build()).runSingle();
        return result.getPrimaryResult().getStatistics().getPercentile(50);
    }

    static double medianShare(List<Round> rounds) {
        return median(rounds, Round::share);
    }

    private static double median(List<Round> rounds, ToDoubleFunction<Round> share) {
        Preconditions.checkArgument(!rounds.isEmpty(), "no rounds measured");
        return Quantiles.median().compute(rounds.stream().mapToDouble(share).toArray());
    }

    static String table(List<Round> rounds) {
        StringBuilder sb = new StringBuilder("| round | triad ms | triad GB/s | kernel ms " + SHAPE
                + " | kernel GB/s | share of triad | new result per call: ms | share |\n"
                + "|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < rounds.size(); i++) {
            Round r = rounds.get(i);
            sb.append(String.format(Locale.ROOT, "| %d | %.2f | %.1f | %.3f | %.1f | %.0f%% | %.3f | %.0f%% |%n",
                    i + 1, r.triadMs(), r.triadGbs(), r.kernelMs(), r.kernelGbs(), 100 * r.share(),
                    r.allocatingMs(), 100 * r.allocatingShare()));
        }
        double median = medianShare(rounds);
        sb.append(String.format(Locale.ROOT, "%nmedian share %.0f%% (target %.0f%%): %s; with a new result per "
                        + "call %.0f%%%n", 100 * median, 100 * TARGET, median >= TARGET ? "met" : "not met",
                100 * median(rounds, Round::allocatingShare)));
        return sb.toString();
    }

    private static Map<String, Object> roundJson(Round r) {
        Map<String, Object> json = new LinkedHashMap<>(); // in the table's column order
        json.put("triadMs", r.triadMs());
        json.put("triadGbs", r.triadGbs());
        json.put("kernelMs", r.kernelMs());
        json.put("kernelGbs", r.kernelGbs());
        json.put("share", r.share());
        json.put("allocatingMs", r.allocatingMs());
        json.put("allocatingShare", r.allocatingShare());
        return json;
    }

    private static Map<String, Object> summary(List<Round> rounds) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("shape", SHAPE);
        json.put("statistic", "median of JMH sample mode, ms per call");
        json.put("rounds", rounds.stream().map(KernelTarget::roundJson).toList());
        double median = medianShare(rounds);
        json.put("medianShare", median);
        json.put("medianAllocatingShare", median(rounds, Round::allocatingShare));
        json.put("target", TARGET);
        json.put("met", median >= TARGET);
        return json;
    }
}
