package dev.adm.models.run;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.methods.MethodRegistry;
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
 * Runs several methods over several seeds on one teacher/student pair, for any task, and writes
 * {@code results.md}, {@code results.csv} and {@code results.png} (the student's score, mean and sample standard
 * deviation over seeds).
 *
 * <p>Each run lives in {@code <out>/<label>/seed<N>}; a run that finished ({@code results.json}) is reused and an
 * interrupted one resumed from its checkpoint, so re-running the same command continues an experiment. Offline
 * and semi-online methods distil from the teacher of the {@code baseline} run of the same seed (which trains
 * teacher and student on their own and is added when a method needs it); the task names the file
 * ({@link Task#experimentTeacherFile}).
 *
 * <pre>{@code
 * List<ExperimentRunner.Row> rows = ExperimentRunner.run(ClassificationConfig.builder().epochs(5).build(),
 *         "resnet20", List.of(Variant.of("kd"), Variant.of("adm")), 3, Path.of("runs/experiment"));
 * }</pre>
 */
public final class ExperimentRunner {
    private static final Logger log = LoggerFactory.getLogger(ExperimentRunner.class);
    public static final String BASELINE = "baseline";

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

    /** A finished (or reused) run: its directory and epoch history. */
    public record RunOutcome(Path dir, List<EpochRecord> history) {
        public RunOutcome {
            history = List.copyOf(history);
        }

        /** Each network's score after the last epoch. */
        public Map<String, Double> finalScores() {
            return TrainingRun.last(history);
        }

        public double trainSeconds() {
            return history.stream().mapToDouble(EpochRecord::seconds).sum();
        }
    }

    /**
     * Mean and sample standard deviation over seeds of one variant's numbers; {@code extraMean}/{@code extraStd}
     * are the student's value of the setup's extra result (NaN without one).
     */
    public record Row(Variant variant, List<RunOutcome> runs, double teacherMean, double teacherStd,
                      double studentMean, double studentStd, double extraMean, double extraStd, double epochSeconds) {
    }

    /** A further per-network number a run writes to {@code results.json} (e.g. {@code finalFid}), shown as a column. */
    public record Extra(String resultKey, String display) {
    }

    /**
     * What the table describes.
     *
     * @param teacher         the teacher model, trained jointly by online methods and by the baseline
     * @param student         the student model
     * @param baselineTeacher the file of a baseline run that offline methods load as their frozen teacher
     * @param extra           a further column from the runs' {@code results.json}, or null
     */
    private record Setup(String teacher, String student, int epochs, long firstSeed, TrainingRun.Metric metric,
                         String baselineTeacher, Extra extra) {
    }

    /**
     * One run to train: resume it when {@code resume}; its teacher is either frozen ({@code teacherCheckpoint}),
     * trained jointly ({@code jointTeacher}), or absent (a method that trains one network).
     */
    private record RunRequest(Variant variant, long seed, Path dir, boolean resume, Path teacherCheckpoint,
                              boolean jointTeacher) {
        /** The template's settings for this run: its method, seed, directory and teacher. */
        RunSettings settings(RunSettings template, String teacher) {
            return new RunSettings(variant.method(), variant.params(), jointTeacher ? List.of(teacher) : List.of(),
                    teacherCheckpoint, template.students(), template.epochs(), template.batchSize(),
                    template.learningRate(), seed, dir, resume, 0, template.checkpointEvery(), template.progress());
        }
    }

    private ExperimentRunner() {
    }

    /**
     * Trains every variant for {@code seeds} seeds (from the template's seed) and writes the tables.
     *
     * @param template settings shared by every run (data, epochs, batch, learning rate, first seed, progress); its
     *                 student is the student; its method, teachers and output directory are ignored
     * @param teacher  the teacher model, trained jointly by online methods and by the baseline
     */
    public static List<Row> run(TaskConfig template, String teacher, List<Variant> variants, int seeds,
                                Path outDir) {
        RunSettings shared = template.run();
        // an unknown teacher model fails here, before any training
        TaskConfig joint = template.withRun(new RunRequest(Variant.of(BASELINE), shared.seed(), outDir, false, null,
                true).settings(shared, teacher));
        Task task = joint.task();
        Setup setup = new Setup(teacher, String.join(",", shared.students()), shared.epochs(), shared.seed(),
                task.metric(), task.experimentTeacherFile(), task.experimentColumn());
        return run(setup, variants, seeds, outDir,
                r -> DistillationRun.run(template.withRun(r.settings(shared, teacher))).history());
    }

    private static List<Row> run(Setup setup, List<Variant> variants, int seeds, Path outDir,
                                 java.util.function.Function<RunRequest, List<EpochRecord>> runner) {
        Preconditions.checkArgument(seeds >= 1, "seeds must be >= 1, got %s", seeds);
        Preconditions.checkArgument(!variants.isEmpty(), "no methods to run");
        List<Variant> plan = new ArrayList<>(new java.util.LinkedHashSet<>(variants)); // a row asked twice runs once
        boolean needsTeacher = plan.stream().anyMatch(v -> create(v).freezesTeacher());
        if (needsTeacher && plan.stream().noneMatch(v -> v.method().equals(BASELINE) && v.params().isEmpty())) {
            plan.add(0, Variant.of(BASELINE));
        } else if (needsTeacher) { // the baseline must run first: it trains the frozen teachers
            plan.sort((a, b) -> Boolean.compare(!a.method().equals(BASELINE), !b.method().equals(BASELINE)));
        }
        Map<Variant, List<RunOutcome>> results = new LinkedHashMap<>();
        for (int s = 0; s < seeds; s++) {
            long seed = setup.firstSeed() + s;
            for (Variant v : plan) {
                Path dir = outDir.resolve(v.label()).resolve("seed" + seed);
                DistillationMethod m = create(v);
                Path teacher = m.freezesTeacher() ? outDir.resolve(BASELINE).resolve("seed" + seed)
                        .resolve(setup.baselineTeacher()) : null;
                RunRequest request = new RunRequest(v, seed, dir, Files.exists(dir.resolve(Checkpoint.FILE)), teacher,
                        !m.freezesTeacher() && !m.trainsSingleNetwork());
                results.computeIfAbsent(v, k -> new ArrayList<>()).add(runOrReuse(request, runner));
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Variant v : plan) {
            List<RunOutcome> runs = results.get(v);
            rows.add(row(v, runs, create(v).freezesTeacher() ? results.get(plan.get(0)) : runs, setup.extra()));
        }
        writeTables(outDir, setup, seeds, rows);
        return rows;
    }

    private static DistillationMethod create(Variant v) {
        return MethodRegistry.create(v.method(), v.params());
    }

    private static RunOutcome runOrReuse(RunRequest request,
                                         java.util.function.Function<RunRequest, List<EpochRecord>> runner) {
        if (Files.exists(request.dir().resolve(RunReport.RESULTS))) {
            log.info("reusing the finished run in {}", request.dir());
            return new RunOutcome(request.dir(), RunReport.readHistory(request.dir()));
        }
        return new RunOutcome(request.dir(), runner.apply(request));
    }

    /** Teacher numbers come from {@code teacherRuns} (the baseline's for a frozen teacher). */
    private static Row row(Variant v, List<RunOutcome> runs, List<RunOutcome> teacherRuns, Extra extra) {
        double[] student = runs.stream().mapToDouble(r -> score(r, "student")).toArray();
        double[] teacher = teacherRuns.stream().mapToDouble(r -> score(r, "teacher")).toArray();
        double[] extras = extra == null ? new double[]{Double.NaN}
                : runs.stream().mapToDouble(r -> resultOf(r, extra.resultKey())).toArray();
        double epochSeconds = runs.stream().mapToDouble(r -> r.trainSeconds() / Math.max(1, r.history().size()))
                .average().orElse(Double.NaN);
        return new Row(v, runs, mean(teacher), std(teacher), mean(student), std(student), mean(extras), std(extras),
                epochSeconds);
    }

    /** The student's entry of a per-network map in the run's {@code results.json} (NaN when the run has none). */
    private static double resultOf(RunOutcome r, String key) {
        Path file = r.dir().resolve(RunReport.RESULTS);
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile()).path(key)
                    .path("student");
            return node.isNumber() ? node.asDouble() : Double.NaN;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file + ": " + e.getMessage()
                    + "; delete the run's directory to train it again", e);
        }
    }

    private static double score(RunOutcome r, String network) {
        return r.finalScores().getOrDefault(network, Double.NaN);
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

    private static void writeTables(Path outDir, Setup setup, int seeds, List<Row> rows) {
        String metric = setup.metric().display();
        boolean percent = setup.metric().higherIsBetter();
        Extra extra = setup.extra();
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Teacher %s, student %s, %d epochs, %d seed(s) from %d; %s%s, "
                        + "mean ± sample std over seeds.%n%n", setup.teacher(), setup.student(), setup.epochs(), seeds,
                setup.firstSeed(), metric, percent ? " in %" : " (lower is better)"));
        md.append(String.format(Locale.ROOT, "| method | teacher %s | student %s |%s s/epoch |%n|---|---:|---:|%s---:|%n",
                metric, metric, extra == null ? "" : " student " + extra.display() + " |", extra == null ? "" : "---:|"));
        StringBuilder csv = new StringBuilder("label,method,params,seeds,teacher_mean,teacher_std,student_mean,"
                + "student_std," + (extra == null ? "" : extra.resultKey() + "_mean," + extra.resultKey() + "_std,")
                + "epoch_seconds\n");
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %s |%s %.0f |%n", r.variant().label(),
                    cell(r.teacherMean(), r.teacherStd(), percent), cell(r.studentMean(), r.studentStd(), percent),
                    extra == null ? "" : " " + cell(r.extraMean(), r.extraStd(), false) + " |", r.epochSeconds()));
            csv.append(String.format(Locale.ROOT, "%s,%s,\"%s\",%d,%.6f,%.6f,%.6f,%.6f,%s%.2f%n", r.variant().label(),
                    r.variant().method(), r.variant().params().toString().replace("\"", "'"), r.runs().size(),
                    r.teacherMean(), r.teacherStd(), r.studentMean(), r.studentStd(),
                    extra == null ? "" : String.format(Locale.ROOT, "%.6f,%.6f,", r.extraMean(), r.extraStd()),
                    r.epochSeconds()));
        }
        AtomicFiles.writeString(outDir.resolve("results.md"), md.toString());
        AtomicFiles.writeString(outDir.resolve("results.csv"), csv.toString());
        double scale = percent ? 100 : 1;
        CategoryChart chart = new CategoryChartBuilder().width(900).height(480)
                .title("student " + metric + " (" + setup.student() + "), mean ± std over " + seeds
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
        AtomicFiles.writeVia(outDir.resolve("results.png"),
                tmp -> BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG));
    }

    private static String cell(double mean, double std, boolean percent) {
        if (Double.isNaN(mean)) {
            return "—";
        }
        return percent ? String.format(Locale.ROOT, "%.2f ± %.2f", 100 * mean, 100 * std)
                : String.format(Locale.ROOT, "%.4g ± %.2g", mean, std);
    }
}
