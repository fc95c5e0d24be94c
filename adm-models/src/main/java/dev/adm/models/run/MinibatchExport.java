package dev.adm.models.run;

import com.google.common.base.Preconditions;
import dev.adm.core.backend.Seeds;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * Writes a task's training minibatches as a run would draw them (its order, augmentation and batch size, from its
 * seed) into a directory, one file per minibatch in DL4J's own format: {@code DataSet.save} for networks of one
 * input, {@code MultiDataSet.save} for several (a diffusion U-Net's images and timesteps). One subdirectory per
 * epoch, {@code epoch-1/batch-000001.bin} on, so a cluster can read an epoch's minibatches from any file system
 * Spark reads.
 */
public final class MinibatchExport {
    private MinibatchExport() {
    }

    /** What was written: the epochs and the minibatches per epoch. */
    public record Written(Path dir, int epochs, int batchesPerEpoch) {
    }

    /**
     * Writes {@code config}'s first {@code epochs} epochs into {@code dir}, which must not hold files yet (an
     * earlier export is not overwritten); a failure removes nothing written before it and leaves no partial file.
     */
    public static Written write(TaskConfig config, Path dir, int epochs) {
        Preconditions.checkArgument(epochs >= 1, "epochs to export must be >= 1, got %s", epochs);
        try {
            if (Files.isDirectory(dir)) {
                try (var files = Files.list(dir)) {
                    Preconditions.checkArgument(files.findAny().isEmpty(), "%s is not empty: export into a new "
                            + "directory (an earlier export is never overwritten)", dir);
                }
            }
            Seeds.restart(config.run().seed());
            Task.Data data = config.task().load();
            StepBatches batches = data.train();
            for (int epoch = 0; epoch < epochs; epoch++) {
                Path epochDir = Files.createDirectories(dir.resolve("epoch-" + (epoch + 1)));
                batches.setEpoch(epoch);
                int n = 0;
                while (batches.hasNext()) {
                    StepBatches.Batch b = batches.next();
                    n++;
                    Path file = epochDir.resolve(String.format(Locale.ROOT, "batch-%06d.bin", n));
                    AtomicFiles.write(file, out -> save(b, out));
                }
            }
            return new Written(dir, epochs, batches.batchesPerEpoch());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write minibatches to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void save(StepBatches.Batch b, OutputStream out) throws IOException {
        if (b.features().length == 1) {
            new DataSet(b.features()[0], b.labels()).save(out);
        } else {
            new MultiDataSet(b.features(), new org.nd4j.linalg.api.ndarray.INDArray[]{b.labels()}).save(out);
        }
    }
}
