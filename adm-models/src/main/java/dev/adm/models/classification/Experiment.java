package dev.adm.models.classification;

import dev.adm.models.run.Checkpoint;
import dev.adm.models.run.RunReport;
import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.methods.MethodRegistry;
import dev.adm.models.run.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs several methods over several seeds on one teacher/student pair and writes {@code results.md},
 * {@code results.csv} and {@code results.png} (student top-1, mean and standard deviation over seeds).
 *
 * <p>Each run lives in {@code <out>/<label>/seed<N>}; a run that finished ({@code results.json}) is reused and an
 * interrupted one resumed from its checkpoint, so re-running the same command continues an experiment. Offline
 * and semi-online methods distil from the teacher of the {@code baseline} run of the same seed (which trains
 * teacher and student on their own and is added when a method needs it).
 */
public final class Experiment {
    private static final Logger log = LoggerFactory.getLogger(Experiment.class);
    static final String BASELINE = "baseline";

    /** One table row: a method with parameter overrides, under a label. */
    public record Variant(String label, String method, Map<String, String> params) {
        public Variant {
            Preconditions.checkArgument(label.matches("[a-zA-Z0-9_.=,-]+"), "bad variant label '%s'", label);
            MethodRegistry.entry(method).resolve(params); // unknown method or parameter: fail before any training
            params = Map.copyOf(params);
        }

        public static Variant of(String method) {
            return new Variant(method, method, Map.of());
        }
    }

    /** Mean and sample standard deviation over seeds of one variant's numbers. */
    public record Row(Variant variant, List<ClassificationTrainer.Result> runs, double teacherMean, double teacherStd,
                      double studentMean, double studentStd, double epochSeconds) {
    }

    private Experiment() {
    }

    /** The ADM ablation: both terms ({@code adm}), L_co only, L_di only, and a tau sweep around the default 0.5. */
    public static List<Variant> admAblation() {
        List<Variant> v = new ArrayList<>();
        v.add(Variant.of("adm"));
        v.add(new Variant("adm-co-only", "adm", Map.of("beta", "0")));
        v.add(new Variant("adm-di-only", "adm", Map.of("alpha", "0")));
        for (String tau : List.of("0.1", "0.25", "1", "2")) {
            v.add(new Variant("adm-tau=" + tau, "adm", Map.of("tau", tau)));
        }
        return v;
    }

    /**
     * @param template settings shared by every run (data, epochs, batch, learning rate, first seed, progress);
     *                 its student is the student, its method and output directory are ignored
     * @param teacher  zoo model of the teacher
     */
    public static List<Row> run(ClassificationConfig template, String teacher, List<Variant> variants, int seeds,
                                Path outDir) {
        Preconditions.checkArgument(seeds >= 1, "seeds must be >= 1, got %s", seeds);
        Preconditions.checkArgument(!variants.isEmpty(), "no methods to run");
        List<Variant> plan = new ArrayList<>(new java.util.LinkedHashSet<>(variants)); // a row asked twice runs once
        boolean needsTeacher = plan.stream().anyMatch(v -> create(v).freezesTeacher());
        if (needsTeacher && plan.stream().noneMatch(v -> v.method().equals(BASELINE) && v.params().isEmpty())) {
            plan.add(0, Variant.of(BASELINE));
        } else if (needsTeacher) { // the baseline must run first: it trains the frozen teachers
            plan.sort((a, b) -> Boolean.compare(!a.method().equals(BASELINE), !b.method().equals(BASELINE)));
        }
        Map<Variant, List<ClassificationTrainer.Result>> results = new LinkedHashMap<>();
        for (int s = 0; s < seeds; s++) {
            long seed = template.seed() + s;
            for (Variant v : plan) {
                Path dir = outDir.resolve(v.label()).resolve("seed" + seed);
                DistillationMethod m = create(v);
                ClassificationConfig.Builder b = template.toBuilder().method(v.method()).methodParams(v.params())
                        .seed(seed).outDir(dir).teachers(List.of()).teacherCheckpoint(null).stopAfter(0)
                        .resume(Files.exists(dir.resolve(Checkpoint.FILE)));
                if (m.freezesTeacher()) {
                    b.teacherCheckpoint(outDir.resolve(BASELINE).resolve("seed" + seed)
                            .resolve(ClassificationTrainer.TEACHER + ".zip"));
                } else if (!m.trainsSingleNetwork()) {
                    b.teachers(List.of(teacher));
                }
                results.computeIfAbsent(v, k -> new ArrayList<>()).add(runOrReuse(b.build()));
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Variant v : plan) {
            List<ClassificationTrainer.Result> runs = results.get(v);
            rows.add(row(v, runs, create(v).freezesTeacher() ? results.get(plan.get(0)) : runs));
        }
        writeTables(outDir, template, teacher, seeds, rows);
        return rows;
    }

    private static DistillationMethod create(Variant v) {
        return MethodRegistry.create(v.method(), v.params());
    }

    private static ClassificationTrainer.Result runOrReuse(ClassificationConfig cfg) {
        if (Files.exists(cfg.outDir().resolve(RunReport.RESULTS))) {
            log.info("reusing the finished run in {}", cfg.outDir());
            return ClassificationTrainer.Result.of(cfg.outDir(), RunReport.readHistory(cfg.outDir()));
        }
        return ClassificationTrainer.run(cfg);
    }

    /** Teacher numbers come from {@code teacherRuns} (the baseline's for a frozen teacher). */
    private static Row row(Variant v, List<ClassificationTrainer.Result> runs,
                           List<ClassificationTrainer.Result> teacherRuns) {
        double[] student = runs.stream().mapToDouble(r -> top1(r, ClassificationTrainer.STUDENT)).toArray();
        double[] teacher = teacherRuns.stream().mapToDouble(r -> top1(r, ClassificationTrainer.TEACHER)).toArray();
        double epochSeconds = runs.stream().mapToDouble(r -> r.trainSeconds() / Math.max(1, r.history().size()))
                .average().orElse(Double.NaN);
        return new Row(v, runs, mean(teacher), std(teacher), mean(student), std(student), epochSeconds);
    }

    private static double top1(ClassificationTrainer.Result r, String network) {
        return r.finalTop1().getOrDefault(network, Double.NaN);
    }

    static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    /** Sample standard deviation (n - 1); 0 for a single value. */
    static double std(double[] x) {
        if (x.length < 2) {
            return 0;
        }
        double m = mean(x);
        double s = 0;
        for (double v : x) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / (x.length - 1));
    }

    private static void writeTables(Path outDir, ClassificationConfig template, String teacher, int seeds,
                                    List<Row> rows) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Teacher %s, student %s, %d epochs, %d seed(s) from %d; top-1 in %%, "
                        + "mean ± sample std over seeds.%n%n", teacher, String.join(",", template.students()),
                template.epochs(), seeds, template.seed()));
        md.append("| method | teacher top-1 | student top-1 | s/epoch |\n|---|---:|---:|---:|\n");
        StringBuilder csv = new StringBuilder("label,method,params,seeds,teacher_mean,teacher_std,student_mean,"
                + "student_std,epoch_seconds\n");
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.0f |%n", r.variant().label(),
                    cell(r.teacherMean(), r.teacherStd()), cell(r.studentMean(), r.studentStd()), r.epochSeconds()));
            csv.append(String.format(Locale.ROOT, "%s,%s,\"%s\",%d,%.6f,%.6f,%.6f,%.6f,%.2f%n", r.variant().label(),
                    r.variant().method(), r.variant().params().toString().replace("\"", "'"), r.runs().size(),
                    r.teacherMean(), r.teacherStd(), r.studentMean(), r.studentStd(), r.epochSeconds()));
        }
        AtomicFiles.writeString(outDir.resolve("results.md"), md.toString());
        AtomicFiles.writeString(outDir.resolve("results.csv"), csv.toString());
        CategoryChart chart = new CategoryChartBuilder().width(900).height(480)
                .title("student top-1 (" + String.join(",", template.students()) + "), mean ± std over " + seeds
                        + " seed(s)").xAxisTitle("method").yAxisTitle("top-1 %").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisLabelRotation(30);
        double min = rows.stream().mapToDouble(r -> 100 * (r.studentMean() - r.studentStd())).min().orElse(0);
        chart.getStyler().setYAxisMin(Math.max(0, Math.floor(min - 2)));
        chart.addSeries("student", rows.stream().map(r -> r.variant().label()).toList(),
                rows.stream().map(r -> 100 * r.studentMean()).toList(),
                rows.stream().map(r -> 100 * r.studentStd()).toList());
        AtomicFiles.writeVia(outDir.resolve("results.png"),
                tmp -> BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG));
    }

    private static String cell(double mean, double std) {
        if (Double.isNaN(mean)) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.2f ± %.2f", 100 * mean, 100 * std);
    }
}
