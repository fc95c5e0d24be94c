package dev.adm.spark;

import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.StepResult;
import dev.adm.models.run.ExportFiles;
import dev.adm.models.run.StepBatches;
import dev.adm.models.run.StepRunner;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run loop's steps on Spark: each call is one averaging round over the minibatches the driver's data gives,
 * {@code averagingFrequency} consecutive ones per worker, and ends with the workers' states averaged into the
 * driver's engine. The minibatches travel from the driver (the run's own data pipeline, its order and
 * augmentation included), so a run here trains on exactly the batches a local run of the same seed does; those
 * of an export ({@code --batches}) travel as file names, and each worker reads its own.
 */
final class SparkStepRunner implements StepRunner {
    private static final Logger log = LoggerFactory.getLogger(SparkStepRunner.class);
    private final JavaSparkContext sc;
    private final boolean ownsContext; // stopped with the runner
    private final Broadcast<EngineBlueprint> plan;
    private final HadoopFiles files;
    private final Broadcast<HadoopFiles> workerFiles;
    private final int workers;
    private final int averagingFrequency;
    private boolean reported;

    SparkStepRunner(JavaSparkContext sc, boolean ownsContext, EngineBlueprint blueprint, int workers,
                    int averagingFrequency) {
        this.sc = sc;
        this.ownsContext = ownsContext;
        this.plan = sc.broadcast(blueprint);
        this.files = new HadoopFiles(sc);
        this.workerFiles = sc.broadcast(files);
        this.workers = workers;
        this.averagingFrequency = averagingFrequency;
    }

    @Override
    public int batchesPerCall() {
        return workers * averagingFrequency;
    }

    @Override
    public List<StepResult> run(DistillationEngine engine, List<StepBatches.Batch> batches) {
        List<List<Minibatch>> shares = new ArrayList<>();
        for (int from = 0; from < batches.size(); from += averagingFrequency) {
            List<Minibatch> share = new ArrayList<>();
            for (StepBatches.Batch b : batches.subList(from, Math.min(batches.size(), from + averagingFrequency))) {
                share.add(Minibatch.of(b));
            }
            shares.add(share);
        }
        EngineState start = EngineState.of(engine);
        if (!reported) {
            log.info("an averaging round sends {} MB of network state to each of {} workers and gets as much back "
                    + "from each, with {} minibatches{}", String.format(java.util.Locale.ROOT, "%.2f",
                    start.bytes() / 1e6), shares.size(), batches.size(), batches.get(0).file().isPresent()
                    ? " the workers read from the export" : " from the driver");
            reported = true;
        }
        Broadcast<EngineState> state = sc.broadcast(start);
        try {
            Broadcast<EngineBlueprint> blueprint = plan;
            Broadcast<HadoopFiles> readers = workerFiles;
            RoundTask.Position position = RoundTask.Position.of(engine);
            List<WorkerResult> results = sc.parallelize(shares, shares.size())
                    .mapPartitions(share -> RoundTask.run(blueprint.value(), state.value(), position, 1,
                            readers.value(),
                            share.hasNext() ? share.next().iterator() : List.<Minibatch>of().iterator()))
                    .collect();
            return WorkerResult.averageInto(engine, results);
        } finally {
            state.destroy();
        }
    }

    /** Hadoop's file systems, as Spark is configured to reach them: an export may be on any of them. */
    @Override
    public ExportFiles files() {
        return files;
    }

    @Override
    public void close() {
        plan.destroy();
        workerFiles.destroy();
        if (ownsContext) {
            sc.stop();
        }
    }
}
