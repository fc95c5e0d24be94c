package dev.adm.models.run;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * An experiment's tables, each written atomically: {@code results.md} (its header names the shared settings; then
 * the paired differences of every ADM variant against its base), {@code results.csv} (a row per variant),
 * {@code runs.csv} (a row per run), {@code paired.csv}, and the charts {@code results.png} (the student's score per
 * method) and {@code paired.png} (the paired differences with their 95% intervals).
 */
final class ExperimentTables {
    private ExperimentTables() {
    }

    static void write(Path outDir, ExperimentRunner.Setup setup, List<ExperimentRunner.Row> rows) {
        String metric = setup.metric().display();
        boolean percent = setup.metric().higherIsBetter();
        ExperimentRunner.Extra extra = setup.extra();
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Teacher %s, student %s, %d epochs, %d seed(s) from %d; %s%s, "
                        + "mean ± sample std over seeds.%nSettings of every run: %s.%n%n", setup.teacher(),
                setup.student(), setup.epochs(), setup.seeds(), setup.firstSeed(), metric,
                percent ? " in %" : " (lower is better)", setup.settings()));
        md.append(String.format(Locale.ROOT, "| method | teacher %s | student %s |%s s/epoch |%n"
                        + "|---|---:|---:|%s---:|%n", metric, metric,
                extra == null ? "" : " student " + extra.display() + " |", extra == null ? "" : "---:|"));
        StringBuilder csv = new StringBuilder("label,method,params,seeds,teacher_mean,teacher_std,student_mean,"
                + "student_std," + (extra == null ? "" : extra.resultKey() + "_mean," + extra.resultKey() + "_std,")
                + "epoch_seconds\n");
        for (ExperimentRunner.Row r : rows) {
            int n = r.runs().size();
            md.append(String.format(Locale.ROOT, "| %s | %s | %s |%s %.0f |%n", r.variant().label(),
                    cell(r.teacherMean(), r.teacherStd(), n, percent),
                    cell(r.studentMean(), r.studentStd(), n, percent),
                    extra == null ? "" : " " + cell(r.extraMean(), r.extraStd(), n, false) + " |", r.epochSeconds()));
            csv.append(String.format(Locale.ROOT, "%s,%s,\"%s\",%d,%.6f,%.6f,%.6f,%.6f,%s%.2f%n", r.variant().label(),
                    r.variant().method(), r.variant().params().toString().replace("\"", "'"), n,
                    r.teacherMean(), r.teacherStd(), r.studentMean(), r.studentStd(),
                    extra == null ? "" : String.format(Locale.ROOT, "%.6f,%.6f,", r.extraMean(), r.extraStd()),
                    r.epochSeconds()));
        }
        List<PairedComparison> paired = PairedComparison.of(rows, extra);
        md.append(pairedTable(paired, percent, extra));
        AtomicFiles.writeString(outDir.resolve("results.md"), md.toString());
        AtomicFiles.writeString(outDir.resolve("results.csv"), csv.toString());
        AtomicFiles.writeString(outDir.resolve("runs.csv"), runsCsv(rows));
        AtomicFiles.writeString(outDir.resolve("paired.csv"), pairedCsv(paired, extra));
        writeChart(outDir.resolve("results.png"), setup, rows);
        if (!paired.isEmpty()) {
            writePairedChart(outDir.resolve("paired.png"), setup, paired);
        }
    }

    /**
     * The paired differences as a markdown section: mean difference and 95% interval per network (and of the
     * student's {@code extra} result, if any comparison has it), and each seed's difference; empty without
     * comparisons.
     */
    static String pairedTable(List<PairedComparison> paired, boolean percent, ExperimentRunner.Extra extra) {
        if (paired.isEmpty()) {
            return "";
        }
        boolean further = extra != null && paired.stream().anyMatch(c -> c.extra() != null);
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%nPaired differences, variant minus base on "
                + "the same seeds (same initialisation and data order)%s; mean [95%% confidence interval, Student's t "
                + "over seeds]:%n%n| variant | base | seeds | student difference | per seed | teacher difference "
                + "| per seed |%s%n|---|---|---:|---:|---|---:|---|%s%n", percent ? ", in points" : "",
                further ? " student " + extra.display() + " difference | per seed |" : "", further ? "---:|---|" : ""));
        for (PairedComparison c : paired) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s |%s%n",
                    c.variant().variant().label(), c.base().variant().label(), c.student().seeds(),
                    interval(c.student(), percent), perSeed(c.student(), percent),
                    c.teacher() == null ? "frozen" : interval(c.teacher(), percent),
                    c.teacher() == null ? "" : perSeed(c.teacher(), percent),
                    !further ? "" : c.extra() == null ? " | |" : " " + interval(c.extra(), false) + " | "
                            + perSeed(c.extra(), false) + " |"));
        }
        return md.toString();
    }

    /** {@code +0.52 [-0.10, +1.14]}, or {@code +0.52 (n=1)} when the spread is unknown. */
    static String interval(PairedDifference d, boolean percent) {
        if (d.seeds() < 2) {
            return difference(d.mean(), percent) + " (n=1)";
        }
        return difference(d.mean(), percent) + " [" + difference(d.low95(), percent) + ", "
                + difference(d.high95(), percent) + "]";
    }

    private static String perSeed(PairedDifference d, boolean percent) {
        StringBuilder s = new StringBuilder();
        for (double v : d.differences()) {
            s.append(s.length() == 0 ? "" : " ").append(difference(v, percent));
        }
        return s.toString();
    }

    private static String difference(double v, boolean percent) {
        return percent ? String.format(Locale.ROOT, "%+.2f", 100 * v) : String.format(Locale.ROOT, "%+.3g", v);
    }

    private static String runsCsv(List<ExperimentRunner.Row> rows) {
        StringBuilder csv = new StringBuilder("label,method,seed_index,run,teacher,student,train_seconds\n");
        for (ExperimentRunner.Row r : rows) {
            double[] teacher = PairedComparison.scores(r, RunSettings.TEACHER);
            double[] student = PairedComparison.scores(r, RunSettings.STUDENT);
            for (int i = 0; i < r.runs().size(); i++) {
                csv.append(String.format(Locale.ROOT, "%s,%s,%d,%s,%.6f,%.6f,%.1f%n", r.variant().label(),
                        r.variant().method(), i, r.runs().get(i).dir().getFileName(), teacher[i], student[i],
                        r.runs().get(i).trainSeconds()));
            }
        }
        return csv.toString();
    }

    private static String pairedCsv(List<PairedComparison> paired, ExperimentRunner.Extra extra) {
        StringBuilder csv = new StringBuilder("variant,base,network,seeds,mean,std,low95,high95,differences\n");
        for (PairedComparison c : paired) {
            pairedCsvRow(csv, c, RunSettings.STUDENT, c.student());
            if (c.teacher() != null) {
                pairedCsvRow(csv, c, RunSettings.TEACHER, c.teacher());
            }
            if (c.extra() != null) {
                pairedCsvRow(csv, c, RunSettings.STUDENT + " " + extra.display(), c.extra());
            }
        }
        return csv.toString();
    }

    private static void pairedCsvRow(StringBuilder csv, PairedComparison c, String network, PairedDifference d) {
        StringBuilder each = new StringBuilder();
        for (double v : d.differences()) {
            each.append(each.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.6f", v));
        }
        csv.append(String.format(Locale.ROOT, "%s,%s,%s,%d,%.6f,%.6f,%.6f,%.6f,%s%n", c.variant().variant().label(),
                c.base().variant().label(), network, d.seeds(), d.mean(), d.std(), d.low95(), d.high95(), each));
    }

    private static void writePairedChart(Path file, ExperimentRunner.Setup setup, List<PairedComparison> paired) {
        boolean percent = setup.metric().higherIsBetter();
        double scale = percent ? 100 : 1;
        CategoryChart chart = new CategoryChartBuilder().width(900).height(480)
                .title("variant minus base, " + setup.metric().display() + ", mean and 95% interval over seeds")
                .xAxisTitle("variant (base)").yAxisTitle("difference" + (percent ? " (points)" : "")).build();
        chart.getStyler().setXAxisLabelRotation(30);
        List<String> labels = paired.stream().map(c -> c.variant().variant().label() + " (" + c.base().variant()
                .label() + ")").toList();
        chart.addSeries("student", labels, paired.stream().map(c -> scale * c.student().mean()).toList(),
                paired.stream().map(c -> scale * zeroIfUnknown(c.student().halfWidth95())).toList());
        if (paired.stream().anyMatch(c -> c.teacher() != null)) {
            chart.addSeries("teacher", labels, paired.stream().map(c -> c.teacher() == null ? 0.0
                            : scale * c.teacher().mean()).toList(), paired.stream().map(c -> c.teacher() == null ? 0.0
                            : scale * zeroIfUnknown(c.teacher().halfWidth95())).toList());
        }
        AtomicFiles.writeVia(file,
                tmp -> BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG));
    }

    private static double zeroIfUnknown(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    private static void writeChart(Path file, ExperimentRunner.Setup setup, List<ExperimentRunner.Row> rows) {
        String metric = setup.metric().display();
        boolean percent = setup.metric().higherIsBetter();
        double scale = percent ? 100 : 1;
        CategoryChart chart = new CategoryChartBuilder().width(900).height(480)
                .title("student " + metric + " (" + setup.student() + "), mean ± std over " + setup.seeds()
                        + " seed(s)").xAxisTitle("method").yAxisTitle(metric + (percent ? " %" : "")).build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisLabelRotation(30);
        if (percent) {
            double min = rows.stream().mapToDouble(r -> 100 * (r.studentMean() - r.studentStd())).min().orElse(0);
            chart.getStyler().setYAxisMin(Math.max(0, Math.floor(min - 2)));
        }
        chart.addSeries("student", rows.stream().map(r -> r.variant().label()).toList(),
                rows.stream().map(r -> scale * r.studentMean()).toList(),
                rows.stream().map(r -> scale * r.studentStd()).toList());
        AtomicFiles.writeVia(file,
                tmp -> BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG));
    }

    /** Mean ± std, or {@code mean (n=1)} for a single run, whose spread is unknown; a dash for no value. */
    static String cell(double mean, double std, int runs, boolean percent) {
        if (Double.isNaN(mean)) {
            return "—";
        }
        double scale = percent ? 100 : 1;
        String value = percent ? String.format(Locale.ROOT, "%.2f", scale * mean)
                : String.format(Locale.ROOT, "%.4g", mean);
        if (runs < 2) {
            return value + " (n=1)";
        }
        return value + " ± " + (percent ? String.format(Locale.ROOT, "%.2f", scale * std)
                : String.format(Locale.ROOT, "%.2g", std));
    }
}
