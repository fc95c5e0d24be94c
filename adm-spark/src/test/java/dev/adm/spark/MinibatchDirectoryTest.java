package dev.adm.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.Slow;
import dev.adm.models.classification.ClassificationConfig;
import dev.adm.models.run.MinibatchExport;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;

/** An export of real data read back on Spark, and a distillation trained from it. */
@Slow
class MinibatchDirectoryTest extends AdmTestBase {
    @TempDir
    Path dir;

    @Test
    void exportedFashionMnistTrainsOnSparkFromItsDirectory() throws Exception {
        Path out = dir.resolve("batches");
        ClassificationConfig config = ClassificationConfig.builder().student("resnet8").batchSize(64).trainLimit(768)
                .embeddedData(true).augment(false).outDir(out).build();
        MinibatchExport.Written w = MinibatchExport.write(config, out, 2);
        assertEquals(12, w.batchesPerEpoch());
        assertEquals(12, Files.list(out.resolve("epoch-2")).count(), "one file per minibatch, no temporary file");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MinibatchExport.write(config, out, 1))
                .getMessage().contains("is not empty"), "an export is never overwritten");

        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("export")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1"))) {
            JavaRDD<DataSet> epoch1 = MinibatchDirectory.read(sc, out.resolve("epoch-1").toString()).cache();
            List<DataSet> read = epoch1.collect();
            assertEquals(12, read.size());
            DataSet first = new DataSet();
            first.load(out.resolve("epoch-1/batch-000001.bin").toFile());
            assertEquals(first.getFeatures(), read.get(0).getFeatures(), "in file-name order");
            assertEquals(List.of(64L, 1L, 28L, 28L), List.of(read.get(0).getFeatures().shape()[0],
                    read.get(0).getFeatures().shape()[1], read.get(0).getFeatures().shape()[2],
                    read.get(0).getFeatures().shape()[3]));

            ModelConfig model = ModelConfig.builder().input(1, 28, 28).classes(10).build();
            EngineBlueprint blueprint = EngineBlueprint.of("dml", Map.of(), List.of(
                    Participant.builder("teacher", ModelZoo.get("resnet8").build(model)).role(Role.TEACHER).build(),
                    Participant.builder("student", ModelZoo.get("resnet8").build(ModelConfig.builder().input(1, 28, 28)
                            .classes(10).seed(7).build()))
                            .role(Role.STUDENT).build()),
                    new InputType[]{InputType.convolutional(28, 28, 1)}, new long[]{10}, false).withRandomSeed(1);
            SparkDistillation spark = SparkDistillation.builder(sc, blueprint).workers(2).averagingFrequency(2)
                    .build();
            for (int epoch = 0; epoch < 3; epoch++) {
                spark.fitEpoch(epoch == 1 ? MinibatchDirectory.read(sc, out.resolve("epoch-2").toString())
                        : epoch1, epoch);
            }
            Evaluation eval = new Evaluation(10);
            for (DataSet d : read) {
                eval.eval(d.getLabels(), spark.engine().predict("student", d.getFeatures()));
            }
            assertTrue(eval.accuracy() > 0.3, "resnet8 after 3 averaged epochs on 768 real images should beat 10% "
                    + "chance on them by far: " + eval.accuracy());
        }
        Files.createDirectories(dir.resolve("junk"));
        assertTrue(assertThrows(Exception.class, () -> {
            try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[1]").setAppName("bad")
                    .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1"))) {
                Files.writeString(dir.resolve("junk/batch-1.bin"), "not a minibatch");
                MinibatchDirectory.read(sc, dir.resolve("junk").toString()).count();
            }
        }).getMessage().contains("as a DL4J DataSet file"), "a task's failure reaches the driver with its reason");
    }
}
