package dev.adm.models.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adm.core.backend.Seeds;
import dev.adm.core.testing.AdmTestBase;
import dev.adm.models.classification.ClassificationConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An export read back is the minibatches the run would draw; an export that does not fit a run is refused. */
class ExportedBatchesTest extends AdmTestBase {
    @TempDir
    Path dir;

    private static ClassificationConfig config(int batchSize) {
        return ClassificationConfig.builder().student("resnet8").batchSize(batchSize).trainLimit(100)
                .embeddedData(true).outDir(Path.of("unused")).build();
    }

    private static List<StepBatches.Batch> epoch(StepBatches batches, int epoch) {
        batches.setEpoch(epoch);
        List<StepBatches.Batch> out = new ArrayList<>();
        while (batches.hasNext()) {
            out.add(batches.next());
        }
        return out;
    }

    @Test
    void anExportReadsBackAsTheBatchesARunDraws() {
        ClassificationConfig config = config(32);
        Path out = dir.resolve("export");
        MinibatchExport.write(config, out, 2);
        Seeds.restart(config.run().seed());
        StepBatches drawn = config.task().load().train(); // augmented and shuffled per epoch, as a run draws them
        ExportedBatches read = ExportedBatches.open(out.toString(), ExportFiles.local());
        assertEquals(4, read.batchesPerEpoch());
        assertEquals(List.of(List.of(32L, 32L, 32L, 4L), List.of(32L, 32L, 32L, 4L)), read.manifest().sizes());
        assertEquals("32", read.manifest().settings().get("batchSize"));
        for (int epoch = 0; epoch < 2; epoch++) {
            List<StepBatches.Batch> expected = epoch(drawn, epoch);
            List<StepBatches.Batch> actual = epoch(read, epoch);
            assertEquals(expected.size(), actual.size());
            for (int i = 0; i < expected.size(); i++) {
                StepBatches.Batch b = actual.get(i);
                assertTrue(b.file().isPresent(), "an exported batch is a file until its arrays are asked for");
                assertEquals(String.format("%s/epoch-%d/batch-%06d.bin", out, epoch + 1, i + 1), b.file().get().path());
                assertEquals(expected.get(i).size(), b.size());
                assertEquals(expected.get(i).features()[0], b.features()[0], "epoch " + epoch + " batch " + i);
                assertEquals(expected.get(i).labels(), b.labels(), "epoch " + epoch + " batch " + i);
            }
        }
        assertFalse(epoch(read, 0).get(0).features()[0].equals(epoch(read, 1).get(0).features()[0]),
                "each epoch has its own order");
    }

    @Test
    void anExportThatDoesNotFitTheRunIsRefusedWithWhatDiffers() throws Exception {
        ClassificationConfig config = config(32);
        Path out = dir.resolve("export");
        MinibatchExport.write(config, out, 2);
        Map<String, String> settings = MinibatchExport.dataSettings(config, config.task());
        ExportedBatches export = ExportedBatches.open(out.toString(), ExportFiles.local());
        assertEquals(export, export.checkFits("classification", settings, 2, 1));

        ClassificationConfig other = config(64);
        String batch = assertThrows(IllegalArgumentException.class, () -> export.checkFits("classification",
                MinibatchExport.dataSettings(other, other.task()), 2, 1)).getMessage();
        assertTrue(batch.contains("{batchSize=32}") && batch.contains("{batchSize=64}")
                && batch.contains("adm export-batches classification"), batch);
        String epochs = assertThrows(IllegalArgumentException.class,
                () -> export.checkFits("classification", settings, 3, 1)).getMessage();
        assertTrue(epochs.contains("holds 2 epoch(s)") && epochs.contains("--epochs 3"), epochs);
        String task = assertThrows(IllegalArgumentException.class,
                () -> export.checkFits("segmentation", settings, 2, 1)).getMessage();
        assertTrue(task.contains("holds classification minibatches"), task);

        Files.delete(out.resolve(MinibatchExport.MANIFEST)); // as an export killed before its end leaves it
        String unfinished = assertThrows(IllegalArgumentException.class,
                () -> ExportedBatches.open(out.toString(), ExportFiles.local())).getMessage();
        assertTrue(unfinished.contains("has no export.json") && unfinished.contains("interrupted"), unfinished);
    }

    @Test
    void aStoredBatchThatIsNotAMinibatchNamesItsFile() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.bin"), "not a minibatch");
        StepBatches.Batch b = StepBatches.Batch.stored(new MinibatchFile(junk.toString(), 1), 8, ExportFiles.local());
        String message = assertThrows(IllegalStateException.class, b::features).getMessage();
        assertTrue(message.contains(junk.toString()) && message.contains("DataSet.save"), message);
    }
}
