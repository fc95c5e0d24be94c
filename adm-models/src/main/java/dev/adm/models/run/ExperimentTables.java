package dev.adm.models.run;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * An experiment's tables: {@code results.md} (its header names the shared settings), {@code results.csv} and the
 * chart {@code results.png} of the student's score per method, each written atomically.
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
        AtomicFiles.writeString(outDir.resolve("results.md"), md.toString());
        AtomicFiles.writeString(outDir.resolve("results.csv"), csv.toString());
        writeChart(outDir.resolve("results.png"), setup, rows);
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
