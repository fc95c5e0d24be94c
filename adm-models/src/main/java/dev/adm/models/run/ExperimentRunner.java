package dev.adm.models.run;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.methods.MethodRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs several methods over several seeds on one teacher/student pair, for any task; {@link ExperimentTables} then
 * writes the table of the student's score (mean and sample standard deviation over seeds).
 *
 * <p>Each run lives in {@code <out>/<label>/seed<N>}. A finished run ({@code results.json}) is reused and an
 * interrupted one resumed from its checkpoint, so re-running the same command continues an experiment; a run made
 * with other settings (data, epochs, learning rate, ...) is refused, naming the setting, or with
 * {@code retrainChanged} trained again. Offline and semi-online methods distil from the teacher of the
 * {@code baseline} run of the same seed (which trains teacher and student on their own and is added when a method
 * needs it); the task names the file ({@link Task#experimentTeacherFile}).
 *
 * <pre>{@code
 * List<ExperimentRunner.Row> rows = ExperimentRunner.run(ClassificationConfig.builder().epochs(5).build(),
 *         "resnet20", List.of(Variant.of("kd"), Variant.of("adm")), 3, Path.of("runs/experiment"), false);
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

        DistillationMethod create() {
            return MethodRegistry.create(method, params);
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
     * @param settings        the settings every run shares, as {@code key=value} (the table's header)
     * @param extra           a further column from the runs' {@code results.json}, or null
     */
    record Setup(String teacher, String student, int epochs, long firstSeed, int seeds, TrainingRun.Metric metric,
                 String baselineTeacher, String settings, Extra extra) {
    }

    private ExperimentRunner() {
    }

    /**
     * Trains every variant for {@code seeds} seeds (from the template's seed) and writes the tables.
     *
     * @param template       settings shared by every run (data, epochs, batch, learning rate, first seed, progress);
     *                       its student is the student; its method, teachers and output directory are ignored
     * @param teacher        the teacher model, trained jointly by online methods and by the baseline
     * @param retrainChanged train again, from the start, a run made with other settings (else it is refused)
     */
    public static List<Row> run(TaskConfig template, String teacher, List<Variant> variants, int seeds,
                                Path outDir, boolean retrainChanged) {
        Preconditions.checkArgument(seeds >= 1, "seeds must be >= 1, got %s", seeds);
        Preconditions.checkArgument(!variants.isEmpty(), "no methods to run");
        RunSettings shared = template.run();
        // an unknown teacher model fails here, before any training
        TaskConfig joint = template.withRun(settings(shared, Variant.of(BASELINE), shared.seed(), outDir, null,
                teacher));
        Task task = joint.task();
        Setup setup = new Setup(teacher, String.join(",", shared.students()), shared.epochs(), shared.seed(), seeds,
                task.metric(), task.experimentTeacherFile(), sharedSettings(joint), task.experimentColumn());

        Variant baseline = Variant.of(BASELINE);
        List<Variant> plan = new ArrayList<>(new LinkedHashSet<>(variants)); // a row asked twice runs once
        boolean needsTeacher = plan.stream().anyMatch(v -> v.create().freezesTeacher());
        if (needsTeacher) { // the baseline runs first: it trains the frozen teachers
            plan.remove(baseline);
            plan.add(0, baseline);
        }
        Map<Variant, List<RunOutcome>> results = new LinkedHashMap<>();
        for (int s = 0; s < seeds; s++) {
            long seed = shared.seed() + s;
            for (Variant v : plan) {
                Path dir = outDir.resolve(v.label()).resolve("seed" + seed);
                DistillationMethod m = v.create();
                Path frozen = m.freezesTeacher() ? outDir.resolve(baseline.label()).resolve("seed" + seed)
                        .resolve(setup.baselineTeacher()) : null;
                String joined = !m.freezesTeacher() && !m.trainsSingleNetwork() ? teacher : null;
                TaskConfig config = template.withRun(settings(shared, v, seed, dir, frozen, joined));
                results.computeIfAbsent(v, k -> new ArrayList<>()).add(runOrReuse(config, retrainChanged));
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Variant v : plan) {
            List<RunOutcome> runs = results.get(v);
            rows.add(row(v, runs, v.create().freezesTeacher() ? results.get(baseline) : runs, setup.extra()));
        }
        ExperimentTables.write(outDir, setup, rows);
        return rows;
    }

    /** The template's settings for one run: its method, seed, directory and teacher (frozen, joint or none). */
    private static RunSettings settings(RunSettings template, Variant v, long seed, Path dir, Path frozenTeacher,
                                        String jointTeacher) {
        return new RunSettings(v.method(), v.params(), jointTeacher == null ? List.of() : List.of(jointTeacher),
                frozenTeacher, template.students(), template.epochs(), template.batchSize(), template.learningRate(),
                seed, dir, false, false, 0, template.checkpointEvery(), template.progress(), template.workers(),
                template.spark(), template.averagingFrequency(), null); // each seed draws its own data
    }

    /** What every run of the experiment shares, for the table's header. */
    private static String sharedSettings(TaskConfig config) {
        Map<String, String> s = new LinkedHashMap<>(DistillationRun.resumeSettings(config));
        s.keySet().removeIf(k -> k.equals("task") || k.equals("method") || k.startsWith("param.")
                || k.startsWith("teacher") || k.equals("student") || k.equals("seed"));
        List<String> pairs = new ArrayList<>();
        s.forEach((k, v) -> pairs.add(k + "=" + v));
        return String.join(", ", pairs);
    }

    /**
     * Reuses a finished run made with the same settings, resumes an interrupted one, trains a new one; a run made
     * with other settings is refused, or with {@code retrainChanged} trained again from the start.
     */
    public static RunOutcome runOrReuse(TaskConfig config, boolean retrainChanged) {
        Path dir = config.run().outDir();
        boolean checkpointed = Files.exists(dir.resolve(Checkpoint.FILE));
        Optional<String> changed = checkpointed
                ? RunDirectory.difference(Checkpoint.settings(dir), DistillationRun.resumeSettings(config))
                : Optional.empty();
        if (changed.isPresent()) {
            Preconditions.checkArgument(retrainChanged, "the run in %s was made with %s; give --retrain-changed to "
                    + "train it again with this experiment's settings, or another --out", dir, changed.get());
            log.info("training {} again: it was made with {}", dir, changed.get());
            return new RunOutcome(dir, DistillationRun.run(config.withRun(config.run().toBuilder()
                    .overwrite(true).build())).history());
        }
        if (Files.exists(dir.resolve(RunReport.RESULTS))) {
            log.info("reusing the finished run in {}", dir);
            return new RunOutcome(dir, RunReport.readHistory(dir));
        }
        return new RunOutcome(dir, DistillationRun.run(config.withRun(config.run().toBuilder()
                .resume(checkpointed).overwrite(!checkpointed).build())).history());
    }

    /** Teacher numbers come from {@code teacherRuns} (the baseline's for a frozen teacher). */
    private static Row row(Variant v, List<RunOutcome> runs, List<RunOutcome> teacherRuns, Extra extra) {
        double[] student = runs.stream().mapToDouble(r -> score(r, RunSettings.STUDENT)).toArray();
        double[] teacher = teacherRuns.stream().mapToDouble(r -> score(r, RunSettings.TEACHER)).toArray();
        double[] extras = extra == null ? new double[]{Double.NaN}
                : runs.stream().mapToDouble(r -> RunReport.studentResult(r.dir(), extra.resultKey())).toArray();
        double epochSeconds = runs.stream().mapToDouble(r -> r.trainSeconds() / Math.max(1, r.history().size()))
                .average().orElse(Double.NaN);
        return new Row(v, runs, mean(teacher), std(teacher), mean(student), std(student), mean(extras), std(extras),
                epochSeconds);
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
}
