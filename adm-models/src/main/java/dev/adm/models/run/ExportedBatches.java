package dev.adm.models.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Preconditions;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A run's training minibatches read from an export ({@link MinibatchExport}) instead of drawn by the run: epoch
 * {@code e} is the export's {@code epoch-(e+1)}, in file order. Its batches are {@linkplain StepBatches.Batch#stored
 * stored}: they are read only where a step needs their arrays, so a cluster's workers read them from the export
 * and the process that plans the steps reads the manifest alone.
 */
public final class ExportedBatches implements StepBatches {
    private final String dir;
    private final MinibatchExport.Manifest manifest;
    private final ExportFiles files;
    private int epoch = -1;
    private int next;

    private ExportedBatches(String dir, MinibatchExport.Manifest manifest, ExportFiles files) {
        this.dir = dir;
        this.manifest = manifest;
        this.files = files;
    }

    /** The export in {@code dir} (a local path or a URI {@code files} opens), from its manifest. */
    public static ExportedBatches open(String dir, ExportFiles files) {
        Preconditions.checkArgument(dir != null && !dir.isBlank(), "an export directory is required");
        String path = ExportFiles.child(dir, MinibatchExport.MANIFEST);
        MinibatchExport.Manifest manifest;
        try (InputStream in = files.open(path)) {
            manifest = new ObjectMapper().readValue(in, MinibatchExport.Manifest.class);
        } catch (FileNotFoundException | NoSuchFileException e) {
            throw new IllegalArgumentException(dir + " has no " + MinibatchExport.MANIFEST + ": it is not a minibatch "
                    + "export, or its export was interrupted (write one with adm export-batches <task> --out DIR)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + path + ": " + e.getMessage(), e);
        }
        Preconditions.checkArgument(manifest.format() == 1, "%s has format %s; this version reads format 1",
                path, manifest.format());
        List<List<Long>> sizes = manifest.sizes();
        Preconditions.checkArgument(!sizes.isEmpty() && !sizes.get(0).isEmpty(), "%s lists no minibatches", path);
        for (int e = 1; e < sizes.size(); e++) {
            Preconditions.checkArgument(sizes.get(e).size() == sizes.get(0).size(), "%s lists %s minibatches in "
                    + "epoch %s and %s in epoch 1; every epoch of a run has as many", path, sizes.get(e).size(), e + 1,
                    sizes.get(0).size());
        }
        return new ExportedBatches(dir, manifest, files);
    }

    public MinibatchExport.Manifest manifest() {
        return manifest;
    }

    /**
     * This export, after checking it holds what a run of {@code task} with {@code settings} (as
     * {@link MinibatchExport#dataSettings} gives them) draws for {@code epochs} epochs, for networks of
     * {@code inputs} inputs; otherwise an error naming the difference and the fix.
     */
    public ExportedBatches checkFits(String task, Map<String, String> settings, int epochs, int inputs) {
        Preconditions.checkArgument(manifest.task().equals(task), "%s holds %s minibatches; this run is %s: export "
                + "them with adm export-batches %s", dir, manifest.task(), task, task);
        Map<String, String> theirs = new TreeMap<>();
        Map<String, String> ours = new TreeMap<>();
        for (String k : union(settings, manifest.settings())) {
            String a = manifest.settings().get(k);
            String b = settings.get(k);
            if (!Objects.equals(a, b)) {
                theirs.put(k, a == null ? "(none)" : a);
                ours.put(k, b == null ? "(none)" : b);
            }
        }
        Preconditions.checkArgument(theirs.isEmpty(), "%s was exported with %s, and this run has %s: train with the "
                + "export's data options, or export again with this run's (adm export-batches %s ... --out NEW_DIR)",
                dir, theirs, ours, task);
        Preconditions.checkArgument(manifest.sizes().size() >= epochs, "%s holds %s epoch(s) of minibatches and this "
                + "run trains %s: export with --epochs %s or more", dir, manifest.sizes().size(), epochs, epochs);
        Preconditions.checkArgument(manifest.inputs() == inputs, "%s holds minibatches of %s input(s); this run's "
                + "networks take %s", dir, manifest.inputs(), inputs);
        return this;
    }

    private static Set<String> union(Map<String, String> a, Map<String, String> b) {
        Set<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys;
    }

    @Override
    public void setEpoch(int epoch) {
        Preconditions.checkArgument(epoch >= 0 && epoch < manifest.sizes().size(), "%s holds epochs 1 to %s, not %s",
                dir, manifest.sizes().size(), epoch + 1);
        this.epoch = epoch;
        this.next = 0;
    }

    @Override
    public int batchesPerEpoch() {
        return manifest.sizes().get(0).size();
    }

    @Override
    public boolean hasNext() {
        return epoch >= 0 && next < manifest.sizes().get(epoch).size();
    }

    @Override
    public Batch next() {
        Preconditions.checkState(hasNext(), "no minibatch left in epoch %s of %s", epoch + 1, dir);
        long size = manifest.sizes().get(epoch).get(next);
        MinibatchFile file = manifest.file(dir, epoch, next++);
        return Batch.stored(file, size, files);
    }
}
