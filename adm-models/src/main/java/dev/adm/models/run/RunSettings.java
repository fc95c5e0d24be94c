package dev.adm.models.run;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import dev.adm.core.engine.Role;
import dev.adm.core.methods.MethodRegistry;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings every task's run shares: the method, the networks, seeds, epochs, batch, learning rate,
 * checkpoints and the run directory. Immutable; each task's config holds one and its builder extends
 * {@link Builder}, which validates.
 *
 * @param method            registry name of the method ({@code baseline}, {@code kd}, {@code dml}, {@code adm}, ...)
 * @param methodParams      overrides of the method's parameters
 * @param teachers          models of teachers trained from scratch, jointly (online methods); empty for none
 * @param teacherCheckpoint a trained model file used as a frozen teacher, or null
 * @param students          models of the students, at least one (the only network for {@code baseline})
 * @param epochs            number of epochs, >= 1
 * @param batchSize         minibatch size, >= 1
 * @param learningRate      initial learning rate (cosine-annealed per epoch) of every network whose role the method
 *                          prescribes none for
 * @param seed              seed of weights, data order, augmentation and every random draw of the run
 * @param outDir            run directory (results, checkpoint, models)
 * @param resume            continue from {@code outDir/checkpoint.zip}
 * @param overwrite         start over in an {@code outDir} that holds another run, removing its files first
 * @param stopAfter         stop (resumably) after this many epochs of this invocation; 0 = run to the end
 * @param checkpointEvery   when to checkpoint inside an epoch (always at its end too)
 * @param progress          draw a progress bar
 * @param workers           threads each step's batch is split between, each with a copy of every network
 *                          ({@code DistillationEngine.setWorkers}); 1 = every step on one thread; with
 *                          {@code spark}, the Spark tasks that train at the same time
 * @param spark             the Spark master to train on by parameter averaging ({@code local[2]},
 *                          {@code spark://host:7077}; needs adm-spark on the class path), or null to train here
 * @param averagingFrequency with {@code spark}, the steps each Spark worker takes between two averagings
 * @param batches           a minibatch export ({@link MinibatchExport}) to train from instead of the minibatches the
 *                          task draws: its directory, or with {@code spark} any URI the workers read
 *                          ({@code hdfs://...}); null for the task's own
 * @param scoreEvery        score the networks on the evaluation split every this many epochs, and after the last
 *                          epoch of the run and of each invocation (1 = every epoch); scoring changes no training
 * @param ema               the decay of an exponential moving average of the trained networks' parameters (after
 *                          a warm-up, {@link WeightAverage}), which is then what is scored, exported and sampled;
 *                          0 = none
 */
public record RunSettings(String method, Map<String, String> methodParams, List<String> teachers,
                          Path teacherCheckpoint, List<String> students, int epochs, int batchSize,
                          double learningRate, long seed, Path outDir, boolean resume, boolean overwrite,
                          int stopAfter, CheckpointPolicy checkpointEvery, boolean progress, int workers,
                          String spark, int averagingFrequency, String batches, int scoreEvery, double ema) {
    public RunSettings {
        Preconditions.checkArgument(method != null && !method.isBlank(), "method is required");
        methodParams = ImmutableMap.copyOf(methodParams);
        MethodRegistry.entry(method).resolve(methodParams); // an unknown method or parameter fails before any work
        teachers = List.copyOf(teachers);
        students = List.copyOf(students);
        Preconditions.checkArgument(!students.isEmpty(), "a student model is required (--student)");
        Preconditions.checkArgument(teachers.isEmpty() || teacherCheckpoint == null,
                "give either --teacher (trained jointly) or --teacher-checkpoint (frozen), not both");
        Preconditions.checkArgument(epochs >= 1, "epochs must be >= 1, got %s", epochs);
        Preconditions.checkArgument(batchSize >= 1, "batch size must be >= 1, got %s", batchSize);
        Preconditions.checkArgument(learningRate > 0 && Double.isFinite(learningRate),
                "learning rate must be a positive number, got %s", learningRate);
        Preconditions.checkArgument(workers >= 1 && workers <= batchSize, "workers must be between 1 and the batch "
                + "size %s, got %s", batchSize, workers);
        Preconditions.checkArgument(spark == null || !spark.isBlank(), "--spark needs a master URL, e.g. local[2] "
                + "or spark://host:7077");
        Preconditions.checkArgument(averagingFrequency >= 1, "averaging frequency must be >= 1 step, got %s",
                averagingFrequency);
        Preconditions.checkArgument(batches == null || !batches.isBlank(), "--batches needs the directory adm "
                + "export-batches wrote");
        Preconditions.checkArgument(stopAfter >= 0, "stop-after must be >= 0, got %s", stopAfter);
        Preconditions.checkArgument(scoreEvery >= 1, "score-every must be >= 1 epoch, got %s", scoreEvery);
        Preconditions.checkArgument(ema == 0 || (ema > 0 && ema < 1), "--ema must be a decay in (0, 1), e.g. 0.999, "
                + "or 0 for none, got %s", ema);
        Preconditions.checkArgument(checkpointEvery != null, "a checkpoint policy is required");
        Preconditions.checkArgument(outDir != null && !outDir.toString().isBlank(),
                "an output directory is required (--out DIR)");
        Preconditions.checkArgument(!(resume && overwrite), "give either --resume (continue the run in %s) or "
                + "--overwrite (start it over), not both", outDir);
    }

    /** The name of a run's only teacher. */
    public static final String TEACHER = "teacher";
    /** The name of a run's only student. */
    public static final String STUDENT = "student";

    /** The network names: {@code teacher}/{@code student}, numbered from 1 when there are several. */
    public static String networkName(Role role, int index, int count) {
        Preconditions.checkArgument(role != Role.PEER, "runs name teachers and students only");
        return role.networkName(index, count);
    }

    /** The seed of the {@code index}-th network of a role: the first student's is the run's seed. */
    public long networkSeed(Role role, int index) {
        return seed + 100L * index + (role == Role.TEACHER ? 1 : 0);
    }

    /** The models of a role, as given: the joint teachers or the students. */
    public List<String> models(Role role) {
        return role == Role.TEACHER ? teachers : students;
    }

    /** What of these settings a resumed run must share with its checkpoint (the method's effective parameters). */
    public Map<String, String> resumeSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("method", method);
        MethodRegistry.entry(method).resolve(methodParams).forEach((k, v) -> m.put("param." + k, v));
        m.put("teacher", String.join(",", teachers));
        m.put("teacherCheckpoint", String.valueOf(teacherCheckpoint));
        m.put("student", String.join(",", students));
        m.put("epochs", String.valueOf(epochs));
        m.put("batchSize", String.valueOf(batchSize));
        m.put("learningRate", String.valueOf(learningRate));
        m.put("seed", String.valueOf(seed));
        m.put("workers", String.valueOf(workers)); // batch norm and random draws follow the split
        if (spark != null) { // where the run trains does not change its result, how it averages does
            m.put("training", "spark");
            m.put("averagingFrequency", String.valueOf(averagingFrequency));
        }
        if (batches != null) {
            m.put("batches", batches);
        }
        if (ema > 0) { // the checkpoint holds the average, and what is scored and exported is it
            m.put("ema", String.valueOf(ema));
        }
        return m;
    }

    /** A builder of these settings alone. */
    public static Plain builder() {
        return new Plain();
    }

    /** A builder holding every setting, to derive a changed copy. */
    public Plain toBuilder() {
        return builder().settings(this);
    }

    /** The builder of {@link RunSettings} alone (a task's config builder extends {@link Builder} instead). */
    public static final class Plain extends Builder<Plain> {
        private Plain() {
        }

        public RunSettings build() {
            return settings();
        }
    }

    /**
     * The shared part of every task's config builder: one setter per setting, returning the task's builder. A task
     * builder sets its own defaults in its constructor and calls {@link #settings()} in its {@code build()}.
     */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<B extends Builder<B>> {
        private String method = "baseline";
        private Map<String, String> methodParams = Map.of();
        private List<String> teachers = List.of();
        private Path teacherCheckpoint;
        private List<String> students = List.of();
        private int epochs = 10;
        private int batchSize = 128;
        private double learningRate = 0.05;
        private long seed = 42;
        private Path outDir;
        private boolean resume;
        private boolean overwrite;
        private int stopAfter;
        private CheckpointPolicy checkpointEvery = CheckpointPolicy.DEFAULT;
        private boolean progress = true;
        private int workers = 1;
        private String spark;
        private int averagingFrequency = 5;
        private String batches;
        private int scoreEvery = 1;
        private double ema;

        protected Builder() {
        }

        private B self() {
            return (B) this;
        }

        public B method(String v) { method = v; return self(); }
        public B methodParams(Map<String, String> v) { methodParams = v; return self(); }
        public B teacher(String v) { teachers = v == null ? List.of() : List.of(v); return self(); }
        public B teachers(List<String> v) { teachers = v == null ? List.of() : v; return self(); }
        public B teacherCheckpoint(Path v) { teacherCheckpoint = v; return self(); }
        public B student(String v) { students = List.of(v); return self(); }
        public B students(List<String> v) { students = v; return self(); }
        public B epochs(int v) { epochs = v; return self(); }
        public B batchSize(int v) { batchSize = v; return self(); }
        public B learningRate(double v) { learningRate = v; return self(); }
        public B seed(long v) { seed = v; return self(); }
        public B outDir(Path v) { outDir = v; return self(); }
        public B resume(boolean v) { resume = v; return self(); }
        public B overwrite(boolean v) { overwrite = v; return self(); }
        public B stopAfter(int v) { stopAfter = v; return self(); }
        public B checkpointEvery(CheckpointPolicy v) { checkpointEvery = v; return self(); }
        public B progress(boolean v) { progress = v; return self(); }
        public B workers(int v) { workers = v; return self(); }
        public B spark(String v) { spark = v; return self(); }
        public B averagingFrequency(int v) { averagingFrequency = v; return self(); }
        public B batches(String v) { batches = v; return self(); }
        public B scoreEvery(int v) { scoreEvery = v; return self(); }
        public B ema(double v) { ema = v; return self(); }

        /** Every shared setting from {@code s} (to derive a changed copy of a config). */
        public B settings(RunSettings s) {
            return method(s.method).methodParams(s.methodParams).teachers(s.teachers)
                    .teacherCheckpoint(s.teacherCheckpoint).students(s.students).epochs(s.epochs)
                    .batchSize(s.batchSize).learningRate(s.learningRate).seed(s.seed).outDir(s.outDir)
                    .resume(s.resume).overwrite(s.overwrite).stopAfter(s.stopAfter).checkpointEvery(s.checkpointEvery)
                    .progress(s.progress).workers(s.workers).spark(s.spark)
                    .averagingFrequency(s.averagingFrequency).batches(s.batches).scoreEvery(s.scoreEvery)
                    .ema(s.ema);
        }

        /** The shared settings as set, validated. */
        protected RunSettings settings() {
            return new RunSettings(method, methodParams, teachers, teacherCheckpoint, students, epochs, batchSize,
                    learningRate, seed, outDir, resume, overwrite, stopAfter, checkpointEvery, progress, workers,
                    spark, averagingFrequency, batches, scoreEvery, ema);
        }
    }
}
