package dev.adm.spark;

import com.google.common.base.Preconditions;
import com.google.common.collect.Iterators;
import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.StepResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import scala.Tuple2;

/**
 * Distillation on a Spark cluster by parameter averaging, as DL4J's {@code ParameterAveragingTrainingMaster}
 * trains one network, applied to every network of a method at once. Each averaging round, every worker (a Spark
 * task) gets the driver's {@link EngineState}, trains its engine (built once per executor from the
 * {@link EngineBlueprint}) on its next {@code averagingFrequency} minibatches, and sends its state back; the
 * driver averages the states, weighted by the examples each worker trained on, into its own engine
 * ({@link #engine}), which holds the trained networks. Frozen teachers travel once, in the blueprint.
 *
 * <p>A round is {@code averagingFrequency} steps of the global step count, whatever the number of workers: every
 * worker starts the round at the same iteration, so schedules that follow the step or the epoch (DKD's warm-up,
 * RDD's stages, learning-rate schedules) see the same counts on every worker and on the driver.
 *
 * <pre>{@code
 * EngineBlueprint blueprint = EngineBlueprint.of("dml", Map.of(), List.of(teacher, student), inputTypes,
 *         new long[]{10}, false);
 * SparkDistillation spark = SparkDistillation.builder(sc, blueprint).workers(2).averagingFrequency(5).build();
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *     spark.fitEpoch(minibatches, epoch);
 * }
 * ComputationGraph student = spark.engine().graph("student");
 * }</pre>
 */
public final class SparkDistillation {
    private final JavaSparkContext sc;
    private final EngineBlueprint blueprint;
    private final DistillationEngine engine;
    private final int workers;
    private final int averagingFrequency;
    private final int threadsPerWorker;
    private final boolean shuffle;

    private SparkDistillation(Builder b) {
        this.sc = b.sc;
        this.blueprint = b.blueprint;
        this.workers = b.workers;
        this.averagingFrequency = b.averagingFrequency;
        this.threadsPerWorker = b.threadsPerWorker;
        this.shuffle = b.shuffle;
        this.engine = blueprint.build();
    }

    public static Builder builder(JavaSparkContext sc, EngineBlueprint blueprint) {
        return new Builder(sc, blueprint);
    }

    /** The driver's engine: its networks hold the averaged state after every round. */
    public DistillationEngine engine() {
        return engine;
    }

    /**
     * Trains one epoch over {@code minibatches} (one {@link DataSet} per step: features and one-hot labels), in
     * rounds of {@code workers x averagingFrequency} minibatches, and returns the epoch's mean loss terms and
     * totals per minibatch (keys as in {@code steps.csv}: {@code term}, {@code total/network}).
     */
    public Map<String, Double> fitEpoch(JavaRDD<DataSet> minibatches, int epoch) {
        return fit(minibatches.map(Minibatch::of), epoch);
    }

    /**
     * As {@link #fitEpoch}, for networks of several inputs: one {@link MultiDataSet} per step, its features in the
     * order of the networks' inputs (a diffusion U-Net's noisy images and timesteps) and one label array.
     */
    public Map<String, Double> fitEpochMultiDataSet(JavaRDD<MultiDataSet> minibatches, int epoch) {
        return fit(minibatches.map(Minibatch::of), epoch);
    }

    private Map<String, Double> fit(JavaRDD<Minibatch> minibatches, int epoch) {
        Preconditions.checkArgument(epoch >= 0, "epoch must be >= 0, got %s", epoch);
        engine.startEpoch(epoch);
        List<Broadcast<?>> broadcasts = new ArrayList<>(); // released with the epoch
        JavaPairRDD<Long, Minibatch> ordered = order(minibatches, epoch, broadcasts)
                .persist(StorageLevel.MEMORY_ONLY());
        Broadcast<EngineBlueprint> plan = sc.broadcast(blueprint);
        broadcasts.add(plan);
        Broadcast<HadoopFiles> files = sc.broadcast(new HadoopFiles(sc));
        broadcasts.add(files);
        try {
            long batches = ordered.count();
            Preconditions.checkArgument(batches > 0, "the epoch has no minibatches");
            long perRound = (long) workers * averagingFrequency;
            Map<String, Double> sums = new LinkedHashMap<>();
            long steps = 0;
            for (long from = 0; from < batches; from += perRound) {
                for (StepResult r : round(ordered, plan, files, from, Math.min(batches, from + perRound))) {
                    r.terms().forEach((k, v) -> sums.merge(k, v, Double::sum));
                    r.totals().forEach((k, v) -> sums.merge("total/" + k, v, Double::sum));
                    steps++;
                }
            }
            engine.endEpoch();
            Map<String, Double> means = new LinkedHashMap<>();
            long n = steps;
            sums.forEach((k, v) -> means.put(k, v / n));
            return means;
        } finally {
            ordered.unpersist(false);
            broadcasts.forEach(Broadcast::destroy);
        }
    }

    /** One averaging round over the minibatches at positions {@code [from, to)} of the epoch's order. */
    private List<StepResult> round(JavaPairRDD<Long, Minibatch> ordered, Broadcast<EngineBlueprint> plan,
                                   Broadcast<HadoopFiles> files, long from, long to) {
        Broadcast<EngineState> state = sc.broadcast(EngineState.of(engine));
        try {
            int threads = threadsPerWorker;
            RoundTask.Position position = RoundTask.Position.of(engine);
            List<WorkerResult> results = ordered.filter(t -> t._1() >= from && t._1() < to)
                    .repartitionAndSortWithinPartitions(new RoundPartitioner(workers, from, averagingFrequency))
                    .mapPartitions(batches -> RoundTask.run(plan.value(), state.value(), position, threads,
                            files.value(), Iterators.transform(batches, Tuple2::_2)))
                    .collect();
            return WorkerResult.averageInto(engine, results);
        } finally {
            state.destroy();
        }
    }

    /** The minibatches keyed by their position in this epoch's order (a seeded shuffle, or as given). */
    private JavaPairRDD<Long, Minibatch> order(JavaRDD<Minibatch> minibatches, int epoch,
                                               List<Broadcast<?>> broadcasts) {
        JavaPairRDD<Long, Minibatch> indexed = minibatches.zipWithIndex().mapToPair(t -> new Tuple2<>(t._2(), t._1()));
        if (!shuffle) {
            return indexed;
        }
        long n = indexed.count();
        Preconditions.checkArgument(n <= Integer.MAX_VALUE, "too many minibatches for one epoch: %s", n);
        long[] position = new long[(int) n];
        for (int i = 0; i < position.length; i++) {
            position[i] = i;
        }
        Random random = new Random(blueprint.randomSeed() * 31 + epoch);
        for (int i = position.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long swap = position[i];
            position[i] = position[j];
            position[j] = swap;
        }
        Broadcast<long[]> positions = sc.broadcast(position);
        broadcasts.add(positions);
        return indexed.mapToPair(t -> new Tuple2<>(positions.value()[(int) (long) t._1()], t._2()));
    }

    /** Validating builder; defaults: 2 workers, averaging every 5 steps, 1 thread per worker, shuffled epochs. */
    public static final class Builder {
        private final JavaSparkContext sc;
        private final EngineBlueprint blueprint;
        private int workers = 2;
        private int averagingFrequency = 5;
        private int threadsPerWorker = 1;
        private boolean shuffle = true;

        private Builder(JavaSparkContext sc, EngineBlueprint blueprint) {
            this.sc = Preconditions.checkNotNull(sc, "Spark context");
            this.blueprint = Preconditions.checkNotNull(blueprint, "blueprint");
        }

        /** The Spark tasks that train at the same time (usually the executors' cores divided by threads). */
        public Builder workers(int workers) {
            Preconditions.checkArgument(workers >= 1, "workers must be >= 1, got %s", workers);
            this.workers = workers;
            return this;
        }

        /** The steps each worker takes between two averagings. */
        public Builder averagingFrequency(int steps) {
            Preconditions.checkArgument(steps >= 1, "averaging frequency must be >= 1 step, got %s", steps);
            this.averagingFrequency = steps;
            return this;
        }

        /** The engine's own data-parallel threads inside each worker ({@link DistillationEngine#setWorkers}). */
        public Builder threadsPerWorker(int threads) {
            Preconditions.checkArgument(threads >= 1, "threads per worker must be >= 1, got %s", threads);
            this.threadsPerWorker = threads;
            return this;
        }

        /** Whether each epoch visits the minibatches in a seeded random order (the blueprint's seed and the epoch). */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        public SparkDistillation build() {
            return new SparkDistillation(this);
        }
    }
}
