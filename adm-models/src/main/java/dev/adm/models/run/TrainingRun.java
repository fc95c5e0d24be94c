package dev.adm.models.run;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.StepResult;
import dev.adm.core.engine.TrainingStoppedException;
import dev.adm.models.data.EpochIterator;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The epoch loop every task pipeline shares: resume from {@code checkpoint.zip}, train each epoch with the
 * engine (progress bar, {@code steps.csv}), score every network, then write the checkpoint, {@code metrics.csv}
 * and {@code curves.png}. The task supplies the data, the score and what to do with the trained networks.
 */
public final class TrainingRun {
    private static final Logger log = LoggerFactory.getLogger(TrainingRun.class);
    private static final AtomicReference<Path> ACTIVE = new AtomicReference<>();

    /**
     * The run's fixed description.
     *
     * @param outDir      run directory
     * @param method      method name (titles and progress)
     * @param epochs      total epochs of the run
     * @param stopAfter   stop after this many epochs of this invocation (0 = run to the end)
     * @param progress    draw a progress bar
     * @param metric      the score's short key ({@code top1}, {@code miou}) and its display name
     * @param settings    what must not change between a run and its resumption
     * @param checkpoints when to checkpoint inside an epoch (there is always one at an epoch's end)
     * @param scoreEvery  score every this many epochs, and after the last epoch of the run and of this invocation
     * @param ema         the decay of the trained networks' weight average ({@link WeightAverage}), which is then
     *                    what is scored and, once training ends, what the networks hold; 0 = none
     */
    public record Spec(Path outDir, String method, int epochs, int stopAfter, boolean progress, Metric metric,
                       Map<String, String> settings, CheckpointPolicy checkpoints, int scoreEvery, double ema) {
        public Spec {
            Preconditions.checkArgument(ema == 0 || (ema > 0 && ema < 1), "the EMA decay must be in (0, 1), or 0 for "
                    + "none, got %s", ema);
            Preconditions.checkArgument(scoreEvery >= 1, "score-every must be >= 1 epoch, got %s", scoreEvery);
            Preconditions.checkArgument(epochs >= 1, "epochs must be >= 1, got %s", epochs);
            Preconditions.checkArgument(stopAfter >= 0, "stop-after must be >= 0, got %s", stopAfter);
            Preconditions.checkNotNull(checkpoints, "checkpoint policy");
            settings = Map.copyOf(settings);
        }
    }

    /** What a scored epoch measures: every network's score, and any further numbers. */
    @FunctionalInterface
    public interface Scoring {
        /** Every network's score on the held-out data. */
        Map<String, Double> score(DistillationEngine engine);

        /**
         * Further numbers after scored epoch {@code epoch} (1-based), keyed {@code <measure>:<network>}, written to
         * {@code metrics.csv} next to the scores; none by default.
         */
        default Map<String, Double> measure(DistillationEngine engine, int epoch) {
            return Map.of();
        }
    }

    /** A scored epoch's numbers (both empty for an epoch not scored). */
    private record Scored(Map<String, Double> scores, Map<String, Double> measurements) {
    }

    /**
     * A score: its column key in {@code metrics.csv} ({@code top1}), its display name ({@code top-1}), whether higher
     * is better (a denoising error is not), and its name in {@code results.json} ({@code finalTop1},
     * {@code bestTop1}).
     */
    public record Metric(String key, String display, boolean higherIsBetter, String resultName) {
    }

    /**
     * Where training starts: nothing, or a checkpoint's networks and history, with the steps already done in the
     * next epoch ({@code partial}, {@link Checkpoint.Partial#NONE} at an epoch boundary).
     */
    public record Start(int completedEpochs, Checkpoint.Partial partial, List<EpochRecord> history,
                        Map<String, ComputationGraph> networks, Map<String, INDArray> averages) {
        public Start {
            history = List.copyOf(history);
            networks = Map.copyOf(networks);
            averages = Map.copyOf(averages);
        }
    }

    private TrainingRun() {
    }

    /** A fresh start, or with {@code resume} the checkpoint in {@code spec.outDir()} (same settings required). */
    public static Start start(Spec spec, boolean resume) {
        if (!resume) {
            return new Start(0, Checkpoint.Partial.NONE, List.of(), Map.of(), Map.of());
        }
        int leftovers = AtomicFiles.removeLeftovers(spec.outDir());
        if (leftovers > 0) {
            log.info("removed {} temporary file(s) an interrupted write left in {}", leftovers, spec.outDir());
        }
        Checkpoint.State state = Checkpoint.load(spec.outDir());
        state.checkSameSettings(spec.settings());
        Checkpoint.Partial partial = state.partial();
        RunReport.trimSteps(spec.outDir(), state.completedEpochs(), partial.steps());
        if (partial.steps() == 0) {
            log.info("resuming {} after epoch {}", spec.outDir(), state.completedEpochs());
        } else {
            log.info("resuming {} in epoch {} after step {}", spec.outDir(), state.completedEpochs() + 1,
                    partial.steps());
        }
        return new Start(state.completedEpochs(), partial, state.history(), state.networks(), state.averages());
    }

    /**
     * Trains the epochs after {@code start} (up to {@code stopAfter} of them) and returns the whole history.
     *
     * @param learningRate the student's learning rate at an epoch (recorded in the history)
     * @param score        each network's test score after an epoch, and any further measurements
     */
    public static List<EpochRecord> train(Spec spec, Start start, DistillationEngine engine, EpochIterator trainData,
                                          Function<Integer, Double> learningRate,
                                          Scoring score) {
        return train(spec, start, engine, StepBatches.of(trainData), learningRate, score);
    }

    /** As above, with batches for networks of several inputs (a diffusion U-Net's noisy images and timesteps). */
    public static List<EpochRecord> train(Spec spec, Start start, DistillationEngine engine, StepBatches trainData,
                                          Function<Integer, Double> learningRate,
                                          Scoring score) {
        return train(spec, start, engine, trainData, StepRunner.local(), learningRate, score);
    }

    /** As above, with the steps run by {@code runner} (a cluster's workers; checkpoints fall between its calls). */
    public static List<EpochRecord> train(Spec spec, Start start, DistillationEngine engine, StepBatches trainData,
                                          StepRunner runner, Function<Integer, Double> learningRate,
                                          Scoring score) {
        ACTIVE.set(spec.outDir());
        try {
            return trainEpochs(spec, start, engine, trainData, runner, learningRate, score);
        } finally {
            ACTIVE.set(null);
        }
    }

    /**
     * The directory of the run training now in this process, if any: what an interrupted process can tell the user
     * to resume.
     */
    public static Optional<Path> activeRun() {
        return Optional.ofNullable(ACTIVE.get());
    }

    private static List<EpochRecord> trainEpochs(Spec spec, Start start, DistillationEngine engine,
                                                 StepBatches trainData, StepRunner runner,
                                                 Function<Integer, Double> learningRate,
                                                 Scoring score) {
        List<EpochRecord> history = new ArrayList<>(start.history());
        WeightAverage average = spec.ema() > 0 ? WeightAverage.start(spec.ema(), engine, start.averages(),
                (long) start.completedEpochs() * trainData.batchesPerEpoch() + start.partial().steps()) : null;
        int end = spec.stopAfter() > 0 ? Math.min(spec.epochs(), start.completedEpochs() + spec.stopAfter())
                : spec.epochs();
        engine.setPlannedIterations((long) spec.epochs() * trainData.batchesPerEpoch());
        for (int epoch = start.completedEpochs(); epoch < end; epoch++) {
            engine.startEpoch(epoch);
            trainData.setEpoch(epoch);
            Pass pass = trainEpoch(spec, engine, trainData, runner, epoch, history,
                    epoch == start.completedEpochs() ? start.partial() : Checkpoint.Partial.NONE, average);
            engine.endEpoch();
            boolean scored = (epoch + 1) % spec.scoreEvery() == 0 || epoch + 1 == end;
            int completed = epoch + 1;
            Supplier<Scored> scoring = () -> new Scored(score.score(engine), score.measure(engine, completed));
            Scored scores = !scored ? new Scored(Map.of(), Map.of())
                    : average == null ? scoring.get() : average.applied(engine, scoring);
            EpochRecord rec = new EpochRecord(completed, pass.seconds(), pass.images() / pass.seconds(),
                    learningRate.apply(epoch), pass.meanLosses(), scores.scores(), scores.measurements());
            history.add(rec);
            log.info("epoch {}/{}: {} ({} s, {} img/s)", epoch + 1, spec.epochs(),
                    scored ? format(spec.metric(), rec.scores()) : "not scored",
                    String.format(Locale.ROOT, "%.1f", rec.seconds()),
                    String.format(Locale.ROOT, "%.0f", rec.imagesPerSec()));
            Checkpoint.save(spec.outDir(), epoch + 1, Checkpoint.Partial.NONE, history, live(engine), spec.settings(),
                    averages(average));
            RunReport.writeMetrics(spec.outDir(), history, spec.metric().key());
            RunReport.writeCurves(spec.outDir(), spec.method(), spec.metric().display(), history);
        }
        if (history.size() < spec.epochs()) {
            log.info("stopped after epoch {} of {}; continue with --resume", history.size(), spec.epochs());
        } else if (average != null) {
            average.install(engine); // what the run exports and its task scores at the end
        }
        return history;
    }

    /** The networks a finished run exports: trained ones that read the images (not branches of another). */
    public static List<Participant> exported(DistillationEngine engine) {
        return engine.participants().stream().filter(p -> p.trainable() && p.inputNetwork() == null).toList();
    }

    /** Per network, the best score over the history (the highest, or the lowest for an error). */
    public static Map<String, Double> best(List<EpochRecord> history, Metric metric) {
        Map<String, Double> best = new LinkedHashMap<>();
        history.forEach(r -> r.scores().forEach((k, v) -> best.merge(k, v, metric.higherIsBetter() ? Math::max
                : Math::min)));
        return best;
    }

    /** The last epoch's scores (empty before the first epoch). */
    public static Map<String, Double> last(List<EpochRecord> history) {
        return history.isEmpty() ? Map.of() : history.get(history.size() - 1).scores();
    }

    /** "student top-1 91.20%, teacher top-1 92.00%" (an error: "student MSE 0.0412"). */
    public static String format(Metric metric, Map<String, Double> scores) {
        StringBuilder sb = new StringBuilder();
        scores.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ')
                .append(metric.display()).append(metric.higherIsBetter()
                        ? String.format(Locale.ROOT, " %.2f%%", 100 * v) : String.format(Locale.ROOT, " %.4f", v)));
        return sb.toString();
    }

    private record Pass(double seconds, long images, Map<String, Double> meanLosses) {
    }

    private static Map<String, INDArray> averages(WeightAverage average) {
        return average == null ? Map.of() : average.averages();
    }

    private static Map<String, ComputationGraph> live(DistillationEngine engine) {
        Map<String, ComputationGraph> live = new LinkedHashMap<>();
        engine.participants().forEach(p -> live.put(p.name(), p.graph()));
        return live;
    }

    /** The runner's steps on {@code batches}; a refused one says what the run directory offers to continue from. */
    private static List<StepResult> steps(Spec spec, DistillationEngine engine, StepRunner runner,
                                          List<StepBatches.Batch> batches) {
        try {
            return runner.run(engine, batches);
        } catch (TrainingStoppedException e) {
            throw new IllegalStateException(e.getMessage() + (Files.exists(spec.outDir().resolve(Checkpoint.FILE))
                    ? "; the checkpoint in " + spec.outDir() + " holds the last good state: continue with --resume"
                    : "; no checkpoint was written yet: start again"), e);
        }
    }

    /**
     * One epoch from its start, or after the steps a mid-epoch checkpoint covers ({@code resumed}): those batches
     * are drawn again and skipped, so the data and its augmentation continue exactly where they stopped.
     */
    private static Pass trainEpoch(Spec spec, DistillationEngine engine, StepBatches data, StepRunner runner,
                                   int epoch, List<EpochRecord> history, Checkpoint.Partial resumed,
                                   WeightAverage average) {
        Map<String, Double> sums = new LinkedHashMap<>(resumed.sums());
        long images = resumed.images();
        double priorSeconds = resumed.seconds();
        int done = resumed.steps();
        for (int i = 0; i < done; i++) {
            Preconditions.checkState(data.hasNext(), "the checkpoint is %s steps into epoch %s, which has only %s; "
                    + "resume with the same data settings", done, epoch + 1, i);
            data.next();
        }
        List<StepResult> pending = new ArrayList<>();  // steps not yet in steps.csv
        int pendingFrom = done + 1;
        long start = System.nanoTime();
        long lastCheckpoint = start;
        int sinceCheckpoint = 0;
        ProgressBar bar = spec.progress() ? new ProgressBarBuilder()
                .setTaskName(String.format("%s epoch %d/%d", spec.method(), epoch + 1, spec.epochs()))
                .setInitialMax(data.batchesPerEpoch()).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).setMaxRenderedLength(120).build() : null;
        try {
            if (bar != null) {
                bar.stepTo(done);
            }
            while (data.hasNext()) {
                List<StepBatches.Batch> group = new ArrayList<>(runner.batchesPerCall());
                while (group.size() < runner.batchesPerCall() && data.hasNext()) {
                    group.add(data.next());
                }
                List<StepResult> results = steps(spec, engine, runner, group);
                if (average != null) {
                    average.update(engine, group.size());
                }
                for (StepResult r : results) {
                    r.terms().forEach((k, v) -> sums.merge(k, v, Double::sum));
                    r.totals().forEach((k, v) -> sums.merge("total/" + k, v, Double::sum));
                    r.updated().forEach((k, v) -> sums.merge("updated/" + k, v ? 1.0 : 0.0, Double::sum));
                }
                pending.addAll(results);
                done += group.size();
                sinceCheckpoint += group.size();
                images += group.stream().mapToLong(StepBatches.Batch::size).sum();
                long now = System.nanoTime();
                if (bar != null) {
                    bar.stepBy(group.size());
                    StepResult last = results.get(results.size() - 1);
                    bar.setExtraMessage(String.format(Locale.ROOT, "loss %.3f  %.0f img/s",
                            last.totals().values().stream().mapToDouble(Double::doubleValue).sum(),
                            images / (priorSeconds + (now - start) / 1e9)));
                }
                if (data.hasNext() && spec.checkpoints().due(sinceCheckpoint, (now - lastCheckpoint) / 1e9)) {
                    // steps.csv first: a crash between the two leaves lines that the resume trims
                    RunReport.appendSteps(spec.outDir(), epoch + 1, pendingFrom, pending);
                    pending.clear();
                    pendingFrom = done + 1;
                    Checkpoint.save(spec.outDir(), epoch, new Checkpoint.Partial(done, images,
                            priorSeconds + (now - start) / 1e9, sums), history, live(engine), spec.settings(),
                            averages(average));
                    sinceCheckpoint = 0;
                    lastCheckpoint = System.nanoTime();
                }
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
        RunReport.appendSteps(spec.outDir(), epoch + 1, pendingFrom, pending);
        double seconds = priorSeconds + (System.nanoTime() - start) / 1e9;
        int n = Math.max(1, done);
        Map<String, Double> means = new LinkedHashMap<>();
        sums.forEach((k, v) -> means.put(k, v / n));
        return new Pass(seconds, images, means);
    }
}
