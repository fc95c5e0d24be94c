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
 * needs it); the task names the file ({@link Task#experimentTeacherFile}). A template with a
 * {@link RunSettings#teacherCheckpoint} gives them one trained teacher for every seed instead (a teacher trained
 * longer than the experiment's runs): then the {@code baseline} row, if asked for, trains the student alone beside
 * that frozen teacher, and online rows still train their teachers from scratch.
 *
 * <pre>{@code
 * List<ExperimentRunner.Row> rows = ExperimentRunner.run(ClassificationConfig.builder().epochs(5).build(),
 *         "resnet20", List.of(Variant.of("kd"), Variant.of("adm")), 3, Path.of("runs/experiment"), false);
 * }</pre>
 */
public final class ExperimentRunner {
    private static final Logger log = LoggerFactory.getLogger(ExperimentRunner.class);
    public static final String BASELINE = "baseline";

    /**
     * One table row: a method with parameter overrides, under a label, trained for {@code seeds} seeds (0: the
     * experiment's count). Every row starts at the experiment's first seed, so rows with fewer seeds pair with the
     * first seeds of the others.
     */
    public record Variant(String label, String method, Map<String, String> params, int seeds) {
        public Variant {
            Preconditions.checkArgument(label.matches("[a-zA-Z0-9_.=,-]+"), "bad variant label '%s'", label);
            Preconditions.checkArgument(seeds >= 0, "seeds of '%s' must be >= 1 (or 0: the experiment's "
                    + "count), got %s", label, seeds);
            MethodRegistry.entry(method).resolve(params); // unknown method or parameter: fail before any training
            params = Map.copyOf(params);
        }

        public Variant(String label, String method, Map<String, String> params) {
            this(label, method, params, 0);
        }

        public static Variant of(String method) {
            return new Variant(method, method, Map.of());
        }

        /**
         * This row with {@code extra} added to its parameter overrides, those of them its method has (its own
         * overrides win); the label stays.
         */
        public Variant withDefaults(Map<String, String> extra) {
            Map<String, String> merged = new LinkedHashMap<>();
            var known = MethodRegistry.entry(method).params().stream().map(p -> p.key()).toList();
            extra.forEach((k, val) -> {
                if (known.contains(k)) {
                    merged.put(k, val);
                }
            });
            merged.putAll(params);
            return new Variant(label, method, merged, seeds);
        }

        /** This row with its own seed count. */
        public Variant withSeeds(int n) {
            Preconditions.checkArgument(n >= 1, "seeds of '%s' must be >= 1, got %s", label, n);
            return new Variant(label, method, params, n);
        }

        DistillationMethod create() {
            return MethodRegistry.create(method, params);
        }

        int seedsOr(int experimentSeeds) {
            return seeds == 0 ? experimentSeeds : seeds;
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

        /**
         * The final score of the network {@code name} ({@code teacher}, {@code student}); with several of that role
         * ({@code student1}, {@code student2}, ...) their mean; NaN when there is none.
         */
        public double finalScore(String name) {
            Map<String, Double> scores = finalScores();
            if (scores.containsKey(name)) {
                return scores.get(name);
            }
            return scores.entrySet().stream().filter(e -> e.getKey().matches(java.util.regex.Pattern.quote(name)
                    + "[0-9]+")).mapToDouble(Map.Entry::getValue).average().orElse(Double.NaN);
        }

        public double trainSeconds() {
            return history.stream().mapToDouble(EpochRecord::seconds).sum();
        }

        /** The processor the run trained on, from its {@code results.json}; null when it records none. */
        public String processor() {
            return RunReport.readProcessor(dir).orElse(null);
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
     * @param teacher         the teacher model(s), comma-separated, trained jointly by online methods and by the
     *                        baseline
     * @param student         the student model(s)
     * @param baselineTeacher the file of a baseline run that offline methods load as their frozen teacher
     * @param givenTeacher    the trained teacher every offline row (and the baseline) distils from instead, or null
     * @param settings        the settings every run shares, as {@code key=value} (the table's header)
     * @param extra           a further column from the runs' {@code results.json}, or null
     */
    record Setup(String teacher, String student, int epochs, long firstSeed, int seeds, TrainingRun.Metric metric,
                 String baselineTeacher, Path givenTeacher, String settings, Extra extra) {
    }

    private ExperimentRunner() {
    }

    /** As {@link #run(TaskConfig, List, List, int, Path, boolean)} with one teacher model. */
    public static List<Row> run(TaskConfig template, String teacher, List<Variant> variants, int seeds,
                                Path outDir, boolean retrainChanged) {
        return run(template, List.of(teacher), variants, seeds, outDir, retrainChanged);
    }

    /**
     * Trains every variant for its seeds (from the template's seed; {@code seeds} for a variant without its own
     * count) and writes the tables. Seeds are the outer loop, so an interrupted experiment has whole seeds done.
     *
     * @param template       settings shared by every run (data, epochs, batch, learning rate, first seed, progress);
     *                       its students are the students, and its teacher checkpoint, if any, the frozen teacher
     *                       of offline rows and the baseline; its method, teachers and output directory are ignored
     * @param teachers       the teacher models, trained jointly by online methods and by the baseline (the first is
     *                       the one offline methods distil from)
     * @param retrainChanged train again, from the start, a run made with other settings (else it is refused)
     */
    public static List<Row> run(TaskConfig template, List<String> teachers, List<Variant> variants, int seeds,
                                Path outDir, boolean retrainChanged) {
        Preconditions.checkArgument(seeds >= 1, "seeds must be >= 1, got %s", seeds);
        Preconditions.checkArgument(!variants.isEmpty(), "no methods to run");
        Preconditions.checkArgument(!teachers.isEmpty(), "a teacher model is required (--teacher)");
        RunSettings shared = template.run();
        Path given = shared.teacherCheckpoint();
        Preconditions.checkArgument(given == null || Files.isRegularFile(given), "--teacher-checkpoint %s is not a "
                + "file: give a model .zip that adm train wrote (e.g. <run>/student.zip)", given);
        // an unknown teacher model fails here, before any training
        TaskConfig joint = template.withRun(settings(shared, Variant.of(BASELINE), shared.seed(), outDir, null,
                teachers));
        Task task = joint.task();
        List<Variant> plan = plan(variants, seeds, given == null);
        int mostSeeds = plan.stream().mapToInt(v -> v.seedsOr(seeds)).max().orElseThrow();
        String teacher = String.join(",", teachers) + (given == null ? ""
                : " (online rows; offline rows and the baseline: the trained " + given + ")");
        Setup setup = new Setup(teacher, String.join(",", shared.students()), shared.epochs(),
                shared.seed(), mostSeeds, task.metric(), task.experimentTeacherFile(), given, sharedSettings(joint),
                task.experimentColumn());

        Variant baseline = plan.stream().filter(v -> v.label().equals(BASELINE)).findFirst().orElse(null);
        Map<Variant, List<RunOutcome>> results = new LinkedHashMap<>();
        // Finished runs first, each row's unbroken seeds from the first, so the tables show every run done so far,
        // also those of seeds an earlier, smaller experiment into this directory reached (and a changed one fails
        // before anything trains).
        for (Variant v : plan) {
            List<RunOutcome> done = results.computeIfAbsent(v, k -> new ArrayList<>());
            for (int s = 0; s < v.seedsOr(seeds); s++) {
                TaskConfig config = runConfig(template, teachers, v, shared.seed() + s, outDir, setup);
                if (!Files.exists(config.run().outDir().resolve(RunReport.RESULTS))) {
                    break;
                }
                done.add(runOrReuse(config, retrainChanged));
            }
        }
        List<Row> rows = rows(plan, results, baseline, setup);
        if (!rows.isEmpty()) {
            ExperimentTables.write(outDir, setup, rows);
        }
        for (int s = 0; s < mostSeeds; s++) {
            boolean trained = false;
            for (Variant v : plan) {
                List<RunOutcome> done = results.get(v);
                if (s >= v.seedsOr(seeds) || s < done.size()) {
                    continue;
                }
                done.add(runOrReuse(runConfig(template, teachers, v, shared.seed() + s, outDir, setup),
                        retrainChanged));
                trained = true;
            }
            if (trained) { // the tables so far: a long experiment shows its progress
                rows = rows(plan, results, baseline, setup);
                ExperimentTables.write(outDir, setup, rows);
            }
        }
        return rows;
    }

    /** One run of the experiment: the row's method, the seed, its directory and its teachers (frozen, joint or none). */
    private static TaskConfig runConfig(TaskConfig template, List<String> teachers, Variant v, long seed, Path outDir,
                                        Setup setup) {
        Path dir = outDir.resolve(v.label()).resolve("seed" + seed);
        DistillationMethod m = v.create();
        Path given = setup.givenTeacher();
        boolean withFrozenTeacher = m.freezesTeacher() || (given != null && v.method().equals(BASELINE));
        Path frozen = !withFrozenTeacher ? null : given != null ? given
                : outDir.resolve(BASELINE).resolve("seed" + seed).resolve(setup.baselineTeacher());
        List<String> joined = frozen == null && !m.trainsSingleNetwork() ? teachers : List.of();
        return template.withRun(settings(template.run(), v, seed, dir, frozen, joined));
    }

    /** A row per variant with runs, over the seeds done so far. */
    private static List<Row> rows(List<Variant> plan, Map<Variant, List<RunOutcome>> results, Variant baseline,
                                  Setup setup) {
        List<Row> rows = new ArrayList<>();
        for (Variant v : plan) {
            List<RunOutcome> runs = results.get(v);
            if (runs == null || runs.isEmpty()) {
                continue;
            }
            if (v.create().freezesTeacher() && setup.givenTeacher() == null) { // the baseline's of the same seeds
                List<RunOutcome> teachers = results.get(baseline);
                int n = Math.min(runs.size(), teachers.size());
                rows.add(row(v, runs.subList(0, n), teachers.subList(0, n), setup.extra()));
            } else {
                rows.add(row(v, runs, runs, setup.extra()));
            }
        }
        return rows;
    }

    /**
     * The rows in the order they train: each label once (the same row asked twice runs once, with the larger of its
     * seed counts; two different rows under one label are refused), and, when {@code baselineTeaches}, the baseline
     * first, with as many seeds as any offline row, when one needs its teachers.
     */
    static List<Variant> plan(List<Variant> variants, int seeds, boolean baselineTeaches) {
        Map<String, Variant> byLabel = new LinkedHashMap<>();
        for (Variant v : variants) {
            Variant before = byLabel.get(v.label());
            if (before == null) {
                byLabel.put(v.label(), v);
                continue;
            }
            Preconditions.checkArgument(before.method().equals(v.method()) && before.params().equals(v.params()),
                    "two rows are labelled '%s' (%s %s and %s %s); give one of them another label", v.label(),
                    before.method(), before.params(), v.method(), v.params());
            if (v.seedsOr(seeds) > before.seedsOr(seeds)) {
                byLabel.put(v.label(), v);
            }
        }
        List<Variant> plan = new ArrayList<>(byLabel.values());
        List<Variant> offline = plan.stream().filter(v -> v.create().freezesTeacher()).toList();
        if (baselineTeaches && !offline.isEmpty()) { // the baseline runs first: it trains the frozen teachers
            Variant baseline = byLabel.getOrDefault(BASELINE, Variant.of(BASELINE));
            plan.remove(baseline);
            int needed = offline.stream().mapToInt(v -> v.seedsOr(seeds)).max().orElseThrow();
            plan.add(0, baseline.seedsOr(seeds) < needed ? baseline.withSeeds(needed) : baseline);
        }
        return plan;
    }

    /** The template's settings for one run: its method, seed, directory and teachers (frozen, joint or none). */
    private static RunSettings settings(RunSettings template, Variant v, long seed, Path dir, Path frozenTeacher,
                                        List<String> jointTeachers) {
        return template.toBuilder().method(v.method()).methodParams(v.params()).teachers(jointTeachers)
                .teacherCheckpoint(frozenTeacher).seed(seed).outDir(dir).resume(false).overwrite(false).stopAfter(0)
                .batches(null).build(); // each seed draws its own data
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
     * with other settings (by its checkpoint, or by its {@code results.json} where the checkpoint is gone), or a
     * finished run whose settings are unknown, is refused, or with {@code retrainChanged} trained again from the start.
     */
    public static RunOutcome runOrReuse(TaskConfig config, boolean retrainChanged) {
        Path dir = config.run().outDir();
        boolean checkpointed = Files.exists(dir.resolve(Checkpoint.FILE));
        boolean finished = Files.exists(dir.resolve(RunReport.RESULTS));
        Optional<Map<String, String>> recorded = checkpointed ? Optional.of(Checkpoint.settings(dir))
                : finished ? RunReport.readSettings(dir) : Optional.empty();
        Optional<String> changed = recorded.isEmpty() && finished
                ? Optional.of("settings it does not record (an older adm wrote its " + RunReport.RESULTS + ")")
                : recorded.flatMap(stored -> RunDirectory.difference(stored, DistillationRun.resumeSettings(config)));
        if (changed.isPresent()) {
            Preconditions.checkArgument(retrainChanged, "the run in %s was made with %s; give --retrain-changed to "
                    + "train it again with this experiment's settings, or another --out", dir, changed.get());
            log.info("training {} again: it was made with {}", dir, changed.get());
            return new RunOutcome(dir, DistillationRun.run(config.withRun(config.run().toBuilder()
                    .overwrite(true).build())).history());
        }
        if (finished) {
            log.info("reusing the finished run in {}", dir);
            return new RunOutcome(dir, RunReport.readHistory(dir));
        }
        return new RunOutcome(dir, DistillationRun.run(config.withRun(config.run().toBuilder()
                .resume(checkpointed).overwrite(!checkpointed).build())).history());
    }

    /** Teacher numbers come from {@code teacherRuns} (the baseline's for a frozen teacher). */
    private static Row row(Variant v, List<RunOutcome> runs, List<RunOutcome> teacherRuns, Extra extra) {
        double[] student = runs.stream().mapToDouble(r -> r.finalScore(RunSettings.STUDENT)).toArray();
        double[] teacher = teacherRuns.stream().mapToDouble(r -> r.finalScore(RunSettings.TEACHER)).toArray();
        double[] extras = extra == null ? new double[]{Double.NaN}
                : runs.stream().mapToDouble(r -> RunReport.studentResult(r.dir(), extra.resultKey())).toArray();
        double epochSeconds = runs.stream().mapToDouble(r -> r.trainSeconds() / Math.max(1, r.history().size()))
                .average().orElse(Double.NaN);
        return new Row(v, runs, mean(teacher), std(teacher), mean(student), std(student), mean(extras), std(extras),
                epochSeconds);
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
