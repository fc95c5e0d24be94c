package dev.adm.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ./adm bench [--quick] [--out FILE]}: runs a preset of the project's JMH benchmarks through JMH's
 * runner, prints one table (kernel times with their effective bandwidth as a fraction of the triad's, and
 * training throughput) and saves JMH's JSON. {@code ./adm bench --target [--rounds N]} checks the kernel's
 * bandwidth target ({@link KernelTarget}); {@code ./adm bench --vs-pytorch [--rounds N] [--workers N]} compares the
 * engine's training steps with PyTorch's on the same machine ({@link PyTorchComparison}). Every JMH option stays available through JMH's own main:
 * {@code java -cp 'adm-bench/target/adm-bench.jar:adm-bench/target/lib/*' org.openjdk.jmh.Main -h}.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws RunnerException, java.io.IOException {
        boolean quick = false;
        boolean target = false;
        boolean vsPyTorch = false;
        Integer rounds = null;
        int workers = 1;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--out" -> {
                    if (i + 1 == args.length) {
                        usage("--out needs a file");
                    }
                    out = Path.of(args[++i]);
                }
                case "--target" -> target = true;
                case "--vs-pytorch" -> vsPyTorch = true;
                case "--rounds" -> {
                    if (i + 1 == args.length || !args[i + 1].matches("[1-9][0-9]*")) {
                        usage("--rounds needs a positive whole number, e.g. --rounds 5");
                    }
                    rounds = Integer.parseInt(args[++i]);
                }
                case "--workers" -> {
                    if (i + 1 == args.length || !args[i + 1].matches("[1-9][0-9]*")) {
                        usage("--workers needs a positive whole number, e.g. --workers 2");
                    }
                    workers = Integer.parseInt(args[++i]);
                }
                case "-h", "--help" -> {
                    usage(null);
                    return;
                }
                default -> usage("unknown option " + args[i]);
            }
        }
        if (target && vsPyTorch) {
            usage("--target and --vs-pytorch are two separate measurements: give one");
        }
        if (workers > 1 && !vsPyTorch) {
            usage("--workers applies to --vs-pytorch; for other benchmarks use JMH's -p workers=N");
        }
        if (target) {
            KernelTarget.run(rounds != null ? rounds : KernelTarget.DEFAULT_ROUNDS,
                    out != null ? out : Path.of("runs", "bench", "target.json"));
            return;
        }
        if (vsPyTorch) {
            PyTorchComparison.run(rounds != null ? rounds : PyTorchComparison.DEFAULT_ROUNDS, workers,
                    Path.of(System.getProperty("adm.root", ".")),
                    out != null ? out : Path.of("runs", "bench", "vs-pytorch.json"));
            return;
        }
        if (out == null) {
            out = Path.of("runs", "bench", "jmh.json");
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        ChainedOptionsBuilder opts = new OptionsBuilder()
                .include(TriadBenchmark.class.getSimpleName())
                .include(SimilarityBenchmark.class.getSimpleName())
                .include(AdmLossBenchmark.class.getSimpleName())
                .include(EngineStepBenchmark.class.getSimpleName())
                .resultFormat(ResultFormatType.JSON).result(out.toString()).forks(1);
        if (quick) {
            // one shape per kernel and short iterations: a few minutes instead of most of an hour
            opts.param("batch", "128").param("channels", "64").param("size", "16")
                    .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(3).measurementTime(TimeValue.seconds(2));
        }
        Collection<RunResult> results = new Runner(opts.build()).run();
        System.out.println();
        System.out.print(table(results));
        System.out.println("JMH results: " + out.toAbsolutePath());
    }

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println("adm bench: " + problem);
        }
        System.err.println("usage: adm bench [--quick] [--out FILE.json]");
        System.err.println("       adm bench --target [--rounds N] [--out FILE.json]");
        System.err.println("       adm bench --vs-pytorch [--rounds N] [--workers N] [--out FILE.json]");
        if (problem != null) {
            System.exit(2);
        }
    }

    /** Markdown table; similarity kernels also as GB/s and as a share of the triad bandwidth. */
    static String table(Collection<RunResult> results) {
        double triadGbs = Double.NaN;
        for (RunResult r : results) {
            if (r.getParams().getBenchmark().contains("TriadBenchmark")) {
                triadGbs = KernelTarget.gbs(3.0 * 4 * Long.parseLong(r.getParams().getParam("length")),
                        r.getPrimaryResult().getScore());
            }
        }
        List<String[]> rows = new ArrayList<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark().replaceFirst("^.*\\.(\\w+\\.\\w+)$", "$1");
            Map<String, String> params = new TreeMap<>();
            for (String k : r.getParams().getParamsKeys()) {
                params.put(k, r.getParams().getParam(k));
            }
            double score = r.getPrimaryResult().getScore();
            double error = r.getPrimaryResult().getScoreError();
            String unit = r.getPrimaryResult().getScoreUnit();
            String extra = "";
            if (name.startsWith("TriadBenchmark")) {
                extra = String.format(Locale.ROOT, "%.1f GB/s", triadGbs);
            } else if (name.startsWith("SimilarityBenchmark")) {
                double bytes = 2.0 * 4 * Long.parseLong(params.get("batch")) * Long.parseLong(params.get("channels"))
                        * Math.pow(Long.parseLong(params.get("size")), 2);
                double gbs = KernelTarget.gbs(bytes, score);
                extra = String.format(Locale.ROOT, "%.1f GB/s%s", gbs, Double.isNaN(triadGbs) ? ""
                        : String.format(Locale.ROOT, " (%.0f%% of triad)", 100 * gbs / triadGbs));
            }
            rows.add(new String[]{name, params.toString().replaceAll("[{}]", ""),
                    String.format(Locale.ROOT, "%.3f ± %.3f %s", score, Double.isNaN(error) ? 0 : error,
                            unit.equals("ops/s") ? "img/s" : unit), extra});
        }
        StringBuilder sb = new StringBuilder("| benchmark | parameters | score | effective |\n|---|---|---:|---:|\n");
        for (String[] row : rows) {
            sb.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        return sb.toString();
    }
}
