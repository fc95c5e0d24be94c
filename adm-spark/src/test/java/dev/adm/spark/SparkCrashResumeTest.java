package dev.adm.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.ChildJvm;
import dev.adm.core.testing.Slow;
import dev.adm.models.classification.ClassificationConfig;
import dev.adm.models.classification.ClassificationTrainer;
import dev.adm.models.run.Checkpoint;
import dev.adm.models.run.CheckpointPolicy;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spark driver killed with SIGKILL in the middle of an epoch, then resumed, ends with the weights and the
 * per-step losses of a run that was never interrupted: a checkpoint is written after an averaging round, and the
 * resumed run's rounds group the remaining minibatches as the uninterrupted run's did.
 */
@Slow
class SparkCrashResumeTest extends AdmTestBase {
    @TempDir
    Path dir;

    /** The run both processes train: 20 minibatches an epoch, rounds of 2 workers x 2 steps, a checkpoint each. */
    static ClassificationConfig config(Path out, boolean resume) {
        return ClassificationConfig.builder().method("dml").teacher("resnet8").student("resnet8").epochs(2)
                .batchSize(32).learningRate(0.05).trainLimit(640).embeddedData(true).outDir(out).progress(false)
                .spark("local[2]").workers(2).averagingFrequency(2).checkpointEvery(new CheckpointPolicy(1, 0))
                .resume(resume).build();
    }

    /** The child process: trains {@link #config} in the directory given. */
    public static final class Driver {
        public static void main(String[] args) {
            ClassificationTrainer.run(config(Path.of(args[0]), false));
        }
    }

    @Test
    void killedDriverResumesToTheWeightsOfAnUninterruptedRun() throws Exception {
        Path straight = dir.resolve("straight");
        Path crashed = dir.resolve("crashed");
        ClassificationTrainer.run(config(straight, false));

        List<String> opens = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens")).toList();
        Files.createDirectories(crashed);
        Process p = new ProcessBuilder(ChildJvm.command(opens, Driver.class, List.of(crashed.toString())))
                .redirectErrorStream(true).redirectOutput(dir.resolve("crashed.log").toFile()).start();
        killInSecondEpoch(p, crashed);
        Checkpoint.State state = Checkpoint.load(crashed);
        assertEquals(1, state.completedEpochs(), "killed during the second epoch");
        assertNotEquals(Checkpoint.Partial.NONE, state.partial(), "the checkpoint was written inside the epoch");
        assertEquals(0, state.partial().steps() % 4, "checkpoints fall between rounds of 4 minibatches: "
                + state.partial().steps());

        ClassificationTrainer.run(config(crashed, true));
        for (String net : List.of("student", "teacher")) {
            ComputationGraph a = ModelSerializer.restoreComputationGraph(straight.resolve(net + ".zip").toFile());
            ComputationGraph b = ModelSerializer.restoreComputationGraph(crashed.resolve(net + ".zip").toFile());
            assertEquals(a.params(), b.params(), net + ": weights after the kill and resume differ");
        }
        assertEquals(Files.readAllLines(straight.resolve("steps.csv")), Files.readAllLines(crashed.resolve("steps.csv")),
                "steps.csv: every minibatch once, with the same losses");
    }

    /** SIGKILL once steps.csv shows the second round of epoch 2 (steps are logged at each checkpoint). */
    private void killInSecondEpoch(Process p, Path out) throws Exception {
        Path steps = out.resolve("steps.csv");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                fail("the driver ended before it could be killed (exit " + p.exitValue() + "):\n"
                        + Files.readString(dir.resolve("crashed.log")));
            }
            if (Files.exists(steps) && Files.readAllLines(steps).stream().anyMatch(l -> l.startsWith("2,8,"))) {
                p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertFalse(Files.exists(out.resolve("student.zip")), "the run was killed before it finished");
                return;
            }
            Thread.sleep(20);
        }
        p.destroyForcibly();
        fail("no second-epoch round logged in time:\n" + Files.readString(dir.resolve("crashed.log")));
    }
}
