package dev.adm.models.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;

import dev.adm.core.engine.StepResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Writes a run's {@code metrics.csv}, {@code results.json} and {@code curves.png}, each atomically. */
public final class RunReport {
    public static final String METRICS = "metrics.csv";
    public static final String RESULTS = "results.json";
    /** The key of {@link #RESULTS} that holds the run's settings, as a checkpoint holds them. */
    public static final String SETTINGS = "settings";
    /** The key of {@link #RESULTS} that names the processor the run trained on. */
    public static final String PROCESSOR = "processor";
    public static final String CURVES = "curves.png";
    public static final String STEPS = "steps.csv";

    private RunReport() {
    }

    /** @param metric the score's column prefix, e.g. {@code top1} or {@code miou} */
    public static void writeMetrics(Path dir, List<EpochRecord> history, String metric) {
        TreeSet<String> lossKeys = new TreeSet<>();
        TreeSet<String> nets = new TreeSet<>();
        TreeSet<String> measures = new TreeSet<>();
        history.forEach(r -> {
            lossKeys.addAll(r.losses().keySet());
            nets.addAll(r.scores().keySet());
            measures.addAll(r.measurements().keySet());
        });
        StringBuilder csv = new StringBuilder("epoch,seconds,img_per_s,lr");
        lossKeys.forEach(k -> csv.append(",loss:").append(k));
        nets.forEach(n -> csv.append(',').append(metric).append(':').append(n));
        measures.forEach(m -> csv.append(',').append(m));
        csv.append('\n');
        for (EpochRecord r : history) {
            csv.append(String.format(Locale.ROOT, "%d,%.2f,%.1f,%.6g", r.epoch(), r.seconds(), r.imagesPerSec(),
                    r.learningRate()));
            lossKeys.forEach(k -> csv.append(',').append(fmt(r.losses().get(k))));
            nets.forEach(n -> csv.append(',').append(fmt(r.scores().get(n))));
            measures.forEach(m -> csv.append(',').append(fmt(r.measurements().get(m))));
            csv.append('\n');
        }
        AtomicFiles.writeString(dir.resolve(METRICS), csv.toString());
    }

    /**
     * Appends one line per step to {@code steps.csv}: epoch, step, each network's total loss and whether it
     * was updated (SwitOKD's teacher: 0 = expert mode). Written at the end of each epoch, before its checkpoint.
     */
    /** Adds step lines of one epoch, numbered from {@code firstStep}. */
    public static void appendSteps(Path dir, int epoch, int firstStep, List<StepResult> steps) {
        if (steps.isEmpty()) {
            return;
        }
        List<String> nets = new ArrayList<>(new TreeSet<>(steps.get(0).totals().keySet()));
        Path file = dir.resolve(STEPS);
        StringBuilder out = new StringBuilder();
        try {
            if (!Files.exists(file)) {
                out.append("epoch,step");
                nets.forEach(n -> out.append(",loss:").append(n));
                nets.forEach(n -> out.append(",updated:").append(n));
                out.append('\n');
            }
            for (int i = 0; i < steps.size(); i++) {
                StepResult r = steps.get(i);
                out.append(epoch).append(',').append(firstStep + i);
                nets.forEach(n -> out.append(',').append(fmt(r.totals().get(n))));
                nets.forEach(n -> out.append(',').append(Boolean.TRUE.equals(r.updated().get(n)) ? 1 : 0));
                out.append('\n');
            }
            // rewritten whole and renamed like every other output (it is written only at checkpoints and epoch ends)
            String before = Files.exists(file) ? Files.readString(file) : "";
            AtomicFiles.writeString(file, before + out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * On resume: drops the step lines after the checkpoint (a crash may have left them), which covers the completed
     * epochs and the first {@code partialSteps} steps of the next.
     */
    public static void trimSteps(Path dir, int completedEpochs, int partialSteps) {
        Path file = dir.resolve(STEPS);
        if (!Files.exists(file)) {
            return;
        }
        try {
            List<String> lines = Files.readAllLines(file);
            List<String> kept = new ArrayList<>();
            int columns = lines.isEmpty() ? 0 : lines.get(0).split(",", -1).length;
            for (int i = 0; i < lines.size(); i++) {
                String[] cells = lines.get(i).split(",", -1);
                if (i == 0) {
                    kept.add(lines.get(i));
                    continue;
                }
                if (cells.length != columns || !cells[0].matches("\\d+") || !cells[1].matches("\\d+")) {
                    continue; // a line a crash cut short
                }
                int epoch = Integer.parseInt(cells[0]);
                if (epoch <= completedEpochs || (epoch == completedEpochs + 1 && Integer.parseInt(cells[1]) <= partialSteps)) {
                    kept.add(lines.get(i));
                }
            }
            AtomicFiles.writeString(file, String.join("\n", kept) + "\n");
        } catch (IOException | RuntimeException e) {
            throw new UncheckedIOException("cannot read " + file + " (" + e.getMessage() + "); delete it to resume",
                    e instanceof IOException io ? io : new IOException(e));
        }
    }

    private static String fmt(Double v) {
        return v == null ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    public static void writeResults(Path dir, Map<String, Object> results) {
        AtomicFiles.write(dir.resolve(RESULTS), out ->
                new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out, results));
    }

    /** The student's entry of a per-network map in a run's {@code results.json} (NaN when the run has none). */
    public static double studentResult(Path dir, String key) {
        Path file = dir.resolve(RESULTS);
        try {
            var node = new ObjectMapper().readTree(file.toFile()).path(key).path(RunSettings.STUDENT);
            return node.isNumber() ? node.asDouble() : Double.NaN;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage()
                    + "; delete the run's directory to train it again", e);
        }
    }

    /** The settings a finished run was made with, from its {@code results.json}; empty for an older run's file. */
    public static Optional<Map<String, String>> readSettings(Path dir) {
        Path file = dir.resolve(RESULTS);
        try {
            ObjectMapper json = new ObjectMapper();
            var node = json.readTree(file.toFile()).get(SETTINGS);
            return node == null || node.isNull() ? Optional.empty() : Optional.of(json.convertValue(node,
                    new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, String>>() { }));
        } catch (IOException | RuntimeException e) {
            throw new dev.adm.models.data.DataFormatException(file + " is unreadable (" + e.getMessage()
                    + "); delete that run directory to train it again", e);
        }
    }

    /** The processor a run trained on, from its {@code results.json}; empty without the file or the entry. */
    public static Optional<String> readProcessor(Path dir) {
        Path file = dir.resolve(RESULTS);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            var node = new ObjectMapper().readTree(file.toFile()).get(PROCESSOR);
            return node == null || node.isNull() ? Optional.empty() : Optional.of(node.asText());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage()
                    + "; delete the run's directory to train it again", e);
        }
    }

    /** The epoch history of a finished run, from its {@code results.json}. */
    public static List<EpochRecord> readHistory(Path dir) {
        Path file = dir.resolve(RESULTS);
        try {
            ObjectMapper json = new ObjectMapper();
            var tree = json.readTree(file.toFile());
            List<EpochRecord> history = json.convertValue(tree.get("history"),
                    new com.fasterxml.jackson.core.type.TypeReference<List<EpochRecord>>() { });
            return history;
        } catch (IOException | RuntimeException e) {
            throw new dev.adm.models.data.DataFormatException(file + " is unreadable (" + e.getMessage()
                    + "); delete that run directory to train it again", e);
        }
    }

    /** @param scoreName what the score is, e.g. {@code top-1} or {@code mIoU} */
    public static void writeCurves(Path dir, String title, String scoreName, List<EpochRecord> history) {
        XYChart acc = new XYChartBuilder().width(640).height(420).title(title + ": test " + scoreName)
                .xAxisTitle("epoch").yAxisTitle(scoreName).build();
        XYChart loss = new XYChartBuilder().width(640).height(420).title(title + ": training loss")
                .xAxisTitle("epoch").yAxisTitle("mean loss").build();
        List<Double> epochs = history.stream().map(r -> (double) r.epoch()).collect(Collectors.toList());
        TreeSet<String> nets = new TreeSet<>();
        history.forEach(r -> nets.addAll(r.scores().keySet()));
        for (String n : nets) {
            acc.addSeries(n, epochs, history.stream().map(r -> r.scores().getOrDefault(n, Double.NaN)).toList());
            String total = "total/" + n;
            if (history.stream().allMatch(r -> r.losses().containsKey(total))) {
                loss.addSeries(n, epochs, history.stream().map(r -> r.losses().get(total)).toList());
            }
        }
        List<Chart> charts = new ArrayList<>(List.of(acc, loss));
        AtomicFiles.writeVia(dir.resolve(CURVES), tmp ->
                BitmapEncoder.saveBitmap(charts, 1, 2, tmp.toString(), BitmapEncoder.BitmapFormat.PNG));
    }
}
