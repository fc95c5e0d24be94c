package dev.adm.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adm.core.backend.Seeds;
import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.engine.StepResult;
import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.Slow;
import dev.adm.diffusion.DiffusionConfig;
import dev.adm.models.run.ExportFiles;
import dev.adm.models.run.ExportedBatches;
import dev.adm.models.run.MinibatchExport;
import dev.adm.models.run.StepBatches;
import dev.adm.models.run.Task;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.MultiDataSet;

/** Diffusion distillation on Spark: U-Nets of two inputs (noisy image, timestep), from an export's MultiDataSets. */
@Slow
class SparkDiffusionTest extends AdmTestBase {
    @TempDir
    Path dir;

    @Test
    void multiDataSetExportTrainsOnSparkAsTheLocalEngineTrainsOnIt() throws Exception {
        DiffusionConfig config = DiffusionConfig.builder().method("dml").teachers(List.of("unet-tiny"))
                .students(List.of("unet-tiny")).epochs(1).batchSize(16).trainLimit(64).steps(50).embeddedData(true)
                .progress(false).outDir(dir.resolve("unused")).build();
        Path export = dir.resolve("export");
        MinibatchExport.write(config, export, 1);
        Seeds.restart(config.run().seed());
        Task task = config.task();
        Task.Data data = task.load();
        List<Participant> participants = new ArrayList<>();
        for (Role role : List.of(Role.TEACHER, Role.STUDENT)) {
            Task.Network n = task.build("unet-tiny", role.networkName(0, 1), role, role == Role.TEACHER ? 1 : 2, 1e-3);
            participants.add(Participant.builder(role.networkName(0, 1), n.graph()).role(role)
                    .logits(n.logitsVertex()).taps(n.taps()).build());
        }
        EngineBlueprint blueprint = EngineBlueprint.of("dml", Map.of(), participants, data.inputTypes(),
                data.labelShape(), data.regressionTargets()).withRandomSeed(3);

        DistillationEngine local = blueprint.build();
        ExportedBatches batches = ExportedBatches.open(export.toString(), ExportFiles.local());
        batches.setEpoch(0);
        local.startEpoch(0);
        double firstLoss = Double.NaN;
        double lastLoss = Double.NaN;
        while (batches.hasNext()) {
            StepBatches.Batch b = batches.next();
            assertEquals(2, b.features().length, "noisy images and timesteps");
            StepResult r = local.step(b.features(), b.labels());
            lastLoss = r.totals().get("student");
            firstLoss = Double.isNaN(firstLoss) ? lastLoss : firstLoss;
        }
        local.endEpoch();

        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("diffusion")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1"))) {
            JavaRDD<MultiDataSet> epoch = MinibatchDirectory.readMultiDataSets(sc, export.resolve("epoch-1").toString());
            assertEquals(4, epoch.count());
            SparkDistillation spark = SparkDistillation.builder(sc, blueprint).workers(1).averagingFrequency(1)
                    .shuffle(false).build();
            Map<String, Double> means = spark.fitEpochMultiDataSet(epoch, 0);
            assertTrue(Double.isFinite(means.get("total/student")), means.toString());
            for (Participant p : participants) {
                double distance = spark.engine().graph(p.name()).params().distance2(local.graph(p.name()).params());
                assertEquals(0.0, distance, p.name() + " after one epoch on Spark differs from the local engine's");
            }
        }
        assertTrue(Double.isFinite(firstLoss) && Double.isFinite(lastLoss), firstLoss + " -> " + lastLoss);
    }
}
