package dev.adm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.common.base.Preconditions;
import com.google.common.math.Quantiles;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./adm bench --vs-pytorch [--rounds N]}: the engine's training steps against PyTorch's, alternating on
 * the same machine so that a shared machine's drift cancels in the ratio. Each round runs, for each step
 * ({@code baseline}: resnet8 alone; {@code dml}: resnet20 and resnet8 together), PyTorch's
 * {@code tools/reference/torch_step_throughput.py} and then {@link EngineStepBenchmark} in JMH; a round's ratio
 * is the engine's images per second over PyTorch's from the same minute, and the summary gives the median ratio
 * over the rounds with its range.
 */
final class PyTorchComparison {
    static final List<String> STEPS = List.of("baseline", "dml");
    static final int DEFAULT_ROUNDS = 3;
    private static final String SCRIPT = "tools/reference/torch_step_throughput.py";
    private static final int TORCH_SECONDS = 20;

    private PyTorchComparison() {
    }

    /** One step's images per second in one round, PyTorch's and the engine's. */
    record Measurement(int round, String step, double torchImgPerS, double engineImgPerS) {
        Measurement {
            Preconditions.checkArgument(torchImgPerS > 0 && engineImgPerS > 0, "throughputs must be positive, got "
                    + "PyTorch %s and the engine %s img/s", torchImgPerS, engineImgPerS);
        }

        double ratio() {
            return engineImgPerS / torchImgPerS;
        }
    }

    /** @param workers the engine's workers ({@code EngineStepBenchmark.workers}); PyTorch always uses every core */
    static void run(int rounds, int workers, Path root, Path out) throws RunnerException, IOException {
        Preconditions.checkArgument(rounds > 0, "rounds must be positive, got %s", rounds);
        int cores = Runtime.getRuntime().availableProcessors();
        Preconditions.checkArgument(workers == 1 || System.getenv("OMP_NUM_THREADS") != null, "%s workers need "
                + "OMP_NUM_THREADS=%s in the environment (./adm sets it for --workers)", workers,
                Math.max(1, cores / workers));
        Path script = root.resolve(SCRIPT);
        Preconditions.checkArgument(Files.isRegularFile(script), "no %s under %s: run ./adm bench from the "
                + "repository", SCRIPT, root.toAbsolutePath());
        String python = System.getenv().getOrDefault("ADM_PYTHON", "/usr/bin/python3");
        List<Measurement> done = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            for (String step : STEPS) {
                double torch = torch(python, script, step);
                double engine = engine(step, workers);
                done.add(new Measurement(r, step, torch, engine));
                System.out.printf(Locale.ROOT, "round %d of %d, %s: PyTorch %.0f img/s, engine %.0f img/s (%.2fx)%n",
                        r, rounds, step, torch, engine, engine / torch);
            }
        }
        System.out.println();
        System.out.print(table(done));
        Files.createDirectories(out.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(out.toFile(), summary(done, workers));
        System.out.println("saved: " + out.toAbsolutePath());
    }

    /** PyTorch's throughput for the step, with every core (as ND4J uses them). */
    private static double torch(String python, Path script, String step) throws IOException {
        Process p = new ProcessBuilder(python, script.toString(), "--step", step, "--seconds",
                String.valueOf(TORCH_SECONDS)).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            Preconditions.checkState(p.waitFor() == 0, "%s %s failed%s: %s", python, SCRIPT,
                    output.contains("No module named 'torch'") ? " (PyTorch is not installed: apt-get install "
                            + "python3-torch, or name another interpreter with ADM_PYTHON)" : "", output.strip());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while PyTorch ran", e);
        }
        String json = output.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow(
                () -> new IllegalStateException(SCRIPT + " printed no result: " + output.strip()));
        JsonNode result = new ObjectMapper().readTree(json);
        return result.get("img_per_s").asDouble();
    }

    /** The engine's throughput for the step: {@link EngineStepBenchmark} with its own warm-up and iterations. */
    private static double engine(String step, int workers) throws RunnerException {
        return new Runner(new OptionsBuilder().include(EngineStepBenchmark.class.getSimpleName() + ".step$")
                .param("method", step).param("workers", String.valueOf(workers)).forks(1).timeUnit(TimeUnit.SECONDS).build())
                .runSingle().getPrimaryResult().getScore();
    }

    static String table(List<Measurement> measurements) {
        StringBuilder sb = new StringBuilder("| round | step | PyTorch img/s | engine img/s | engine / PyTorch |\n"
                + "|---:|---|---:|---:|---:|\n");
        for (Measurement m : measurements) {
            sb.append(String.format(Locale.ROOT, "| %d | %s | %.0f | %.0f | %.2fx |%n", m.round(), m.step(),
                    m.torchImgPerS(), m.engineImgPerS(), m.ratio()));
        }
        sb.append('\n');
        for (String step : STEPS) {
            double[] ratios = ratios(measurements, step);
            if (ratios.length > 0) {
                DoubleSummaryStatistics range = Arrays.stream(ratios).summaryStatistics();
                sb.append(String.format(Locale.ROOT, "%s: median %.2fx over %d rounds (%.2f-%.2fx)%n", step,
                        Quantiles.median().compute(ratios), ratios.length, range.getMin(), range.getMax()));
            }
        }
        return sb.toString();
    }

    private static double[] ratios(List<Measurement> measurements, String step) {
        return measurements.stream().filter(m -> m.step().equals(step)).mapToDouble(Measurement::ratio).toArray();
    }

    private static Map<String, Object> summary(List<Measurement> measurements, int workers) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("batch", EngineStepBenchmark.BATCH);
        json.put("engineWorkers", workers);
        json.put("input", List.of(1, 28, 28));
        json.put("rounds", measurements);
        for (String step : STEPS) {
            double[] ratios = ratios(measurements, step);
            json.put(step + "MedianRatio", Quantiles.median().compute(ratios));
        }
        return json;
    }
}
