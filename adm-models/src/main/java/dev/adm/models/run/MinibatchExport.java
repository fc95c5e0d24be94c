package dev.adm.models.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Preconditions;
import dev.adm.core.backend.Seeds;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * Writes a task's training minibatches as a run would draw them (its order, augmentation and batch size, from its
 * seed) into a directory, one file per minibatch in DL4J's own format: {@code DataSet.save} for networks of one
 * input, {@code MultiDataSet.save} for several (a diffusion U-Net's images and timesteps). One subdirectory per
 * epoch, {@code epoch-1/batch-000001.bin} on, so a cluster can read an epoch's minibatches from any file system
 * Spark reads; {@code export.json} ({@link Manifest}), written last, says what the export holds and marks it
 * complete. {@link ExportedBatches} trains a run from it.
 */
public final class MinibatchExport {
    /** The file that describes an export. */
    public static final String MANIFEST = "export.json";

    private MinibatchExport() {
    }

    /** What was written: the epochs and the minibatches per epoch. */
    public record Written(Path dir, int epochs, int batchesPerEpoch) {
    }

    /**
     * An export's description.
     *
     * @param format   the layout's version (1)
     * @param task     the task whose data it is ({@code classification})
     * @param settings the settings its minibatches follow from ({@link #dataSettings}): a run trained from the export
     *                 must have the same
     * @param inputs   network inputs per minibatch (1: {@code DataSet} files; more: {@code MultiDataSet} files)
     * @param sizes    per epoch, the examples of each minibatch, in order
     */
    public record Manifest(int format, String task, Map<String, String> settings, int inputs, List<List<Long>> sizes) {
        public Manifest {
            settings = Map.copyOf(settings);
            sizes = sizes.stream().map(List::copyOf).toList();
        }

        /** The file of the {@code batch}-th minibatch (from 0) of {@code epoch} (from 0), under {@code dir}. */
        public MinibatchFile file(String dir, int epoch, int batch) {
            return new MinibatchFile(ExportFiles.child(dir, String.format(Locale.ROOT, "epoch-%d/batch-%06d.bin",
                    epoch + 1, batch + 1)), inputs);
        }
    }

    /**
     * The settings of {@code config} its training minibatches follow from: the task's own ({@link Task#resumeSettings},
     * its data and sizes), the batch size and the seed.
     */
    public static Map<String, String> dataSettings(TaskConfig config, Task task) {
        Map<String, String> settings = new LinkedHashMap<>(task.resumeSettings());
        settings.put("batchSize", String.valueOf(config.run().batchSize()));
        settings.put("seed", String.valueOf(config.run().seed()));
        return settings;
    }

    /**
     * Writes {@code config}'s first {@code epochs} epochs into {@code dir}, which must not hold files yet (an
     * earlier export is not overwritten); a failure removes nothing written before it, leaves no partial file and
     * no manifest.
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
            Task task = config.task();
            Task.Data data = task.load();
            StepBatches batches = data.train();
            List<List<Long>> sizes = new ArrayList<>();
            for (int epoch = 0; epoch < epochs; epoch++) {
                Path epochDir = Files.createDirectories(dir.resolve("epoch-" + (epoch + 1)));
                batches.setEpoch(epoch);
                List<Long> epochSizes = new ArrayList<>();
                while (batches.hasNext()) {
                    StepBatches.Batch b = batches.next();
                    epochSizes.add(b.size());
                    Path file = epochDir.resolve(String.format(Locale.ROOT, "batch-%06d.bin", epochSizes.size()));
                    AtomicFiles.write(file, out -> save(b, out));
                }
                sizes.add(epochSizes);
            }
            Manifest manifest = new Manifest(1, task.name(), dataSettings(config, task), data.inputTypes().length,
                    sizes);
            AtomicFiles.write(dir.resolve(MANIFEST),
                    out -> new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out, manifest));
            return new Written(dir, epochs, batches.batchesPerEpoch());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write minibatches to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void save(StepBatches.Batch b, OutputStream out) throws IOException {
        if (b.features().length == 1) {
            new DataSet(b.features()[0], b.labels()).save(out);
        } else {
            new MultiDataSet(b.features(), new INDArray[]{b.labels()}).save(out);
        }
    }
}
