package dev.adm.spark;

import dev.adm.models.run.DistributedTraining;
import dev.adm.models.run.RunSettings;
import dev.adm.models.run.StepRunner;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --spark MASTER}: the run's steps trained by parameter averaging on Spark ({@link SparkStepRunner}), with
 * {@code --workers} tasks at a time and {@code --averaging-frequency} steps between averagings. Under
 * {@code spark-submit} the submitted master and settings win over {@code --spark}. The context is stopped when
 * the run ends.
 */
public final class SparkTraining implements DistributedTraining {
    private static final Logger log = LoggerFactory.getLogger(SparkTraining.class);

    @Override
    public String name() {
        return "spark";
    }

    @Override
    public StepRunner open(RunSettings settings, Setup setup) {
        EngineBlueprint blueprint = EngineBlueprint.of(setup.method(), setup.methodParams(), setup.participants(),
                setup.inputTypes(), setup.labelShape(), setup.regressionTargets()).withMethodAdapter(setup.adapter())
                .withRandomSeed(settings.seed());
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkContext.getOrCreate(new SparkConf()
                .setIfMissing("spark.master", settings.spark()).setIfMissing("spark.app.name", "adm " + settings.method())
                .setIfMissing("spark.ui.showConsoleProgress", "false")));
        sc.setLogLevel("WARN"); // Spark's INFO lines would bury the run's own
        if (sc.defaultParallelism() > settings.workers()) {
            log.warn("Spark offers {} task slots but --workers is {}: one task trains at a time per worker; give "
                    + "--workers {} to use them all", sc.defaultParallelism(), settings.workers(),
                    sc.defaultParallelism());
        }
        int threads = Nd4j.getEnvironment().maxThreads();
        int cores = Runtime.getRuntime().availableProcessors();
        if (sc.isLocal() && (long) threads * settings.workers() > cores) {
            log.warn("{} local Spark workers with ND4J's {} threads each on {} cores: their ops will spin against "
                    + "each other; start the JVM with OMP_NUM_THREADS={} (the adm launcher does)",
                    settings.workers(), threads, cores, Math.max(1, cores / settings.workers()));
        }
        return new SparkStepRunner(sc, true, blueprint, settings.workers(), settings.averagingFrequency());
    }
}
