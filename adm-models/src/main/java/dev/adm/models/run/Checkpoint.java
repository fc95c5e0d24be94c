package dev.adm.models.run;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Preconditions;
import dev.adm.models.data.DataFormatException;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Training state in one zip, written atomically: every network (weights, updater state and iteration count, via
 * {@link ModelSerializer}), the networks' weight averages when the run keeps them ({@link WeightAverage}), and
 * {@code state.json} (completed epochs, the per-epoch history, and for a checkpoint
 * written inside an epoch the steps done in it and their running sums). Nothing else is needed for an exact
 * resume: the data order, augmentation and every random draw of a step are functions of the seed, the epoch and
 * the step, and methods derive their state (DKD warm-up, RDD stage, SwitOKD mode) from those and the losses.
 */
public final class Checkpoint {
    public static final String FILE = "checkpoint.zip";
    private static final String STATE = "state.json";
    private static final String NET_PREFIX = "network-";
    private static final String AVERAGE_PREFIX = "average-";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The part of an unfinished epoch a checkpoint covers: its first {@code steps} steps, the images they took,
     * their training seconds and the sums of their logged losses (for the epoch's means).
     */
    public record Partial(int steps, long images, double seconds, Map<String, Double> sums) {
        /** Nothing done yet: an epoch from its start (a checkpoint written at an epoch's end). */
        public static final Partial NONE = new Partial(0, 0, 0, Map.of());

        public Partial {
            sums = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(sums));
        }
    }

    /**
     * {@code partial} is {@link Partial#NONE} for a checkpoint written at an epoch's end; {@code averages} the
     * networks' weight averages by name (empty for a run that keeps none).
     */
    public record State(int completedEpochs, Partial partial, List<EpochRecord> history,
                        Map<String, ComputationGraph> networks, Map<String, String> settings,
                        Map<String, INDArray> averages) {
        /** Fails, naming the setting, when this run's settings differ from the checkpoint's. */
        public void checkSameSettings(Map<String, String> current) {
            RunDirectory.difference(settings, current).ifPresent(d -> {
                throw new IllegalArgumentException("--resume: the checkpoint was written with " + d
                        + "; resume with the same settings, or start a new run in another --out directory");
            });
        }
    }

    private Checkpoint() {
    }

    /**
     * {@code partial}: the steps done in the epoch after {@code completedEpochs}; {@link Partial#NONE} at its end.
     * {@code averages}: the networks' weight averages (empty when the run keeps none).
     */
    public static void save(Path dir, int completedEpochs, Partial partial, List<EpochRecord> history,
                            Map<String, ComputationGraph> nets, Map<String, String> settings,
                            Map<String, INDArray> averages) {
        Preconditions.checkNotNull(partial, "partial is null; pass Checkpoint.Partial.NONE at an epoch's end");
        AtomicFiles.write(dir.resolve(FILE), out -> {
            try (ZipOutputStream zip = new ZipOutputStream(out)) {
                for (Map.Entry<String, ComputationGraph> e : nets.entrySet()) {
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    ModelSerializer.writeModel(e.getValue(), bytes, true);
                    zip.putNextEntry(new ZipEntry(NET_PREFIX + e.getKey() + ".zip"));
                    zip.write(bytes.toByteArray());
                    zip.closeEntry();
                }
                for (Map.Entry<String, INDArray> e : averages.entrySet()) {
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    Nd4j.write(bytes, e.getValue());
                    zip.putNextEntry(new ZipEntry(AVERAGE_PREFIX + e.getKey() + ".bin"));
                    zip.write(bytes.toByteArray());
                    zip.closeEntry();
                }
                Map<String, Object> state = new LinkedHashMap<>();
                state.put("completedEpochs", completedEpochs);
                if (partial.steps() > 0) {
                    state.put("partial", partial);
                }
                state.put("history", history);
                state.put("settings", settings);
                zip.putNextEntry(new ZipEntry(STATE));
                zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
                zip.closeEntry();
            }
        });
    }

    /** The settings a checkpoint was written with, read without its networks. */
    public static Map<String, String> settings(Path dir) {
        Path file = dir.resolve(FILE);
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.getName().equals(STATE)) {
                    Map<String, Object> state = JSON.readValue(zip.readAllBytes(), new TypeReference<>() { });
                    return JSON.convertValue(state.get("settings"), new TypeReference<Map<String, String>>() { });
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new DataFormatException("checkpoint " + file + " is unreadable (" + e.getMessage() + "); delete "
                    + "its run directory to train it again", e);
        }
        throw new DataFormatException("checkpoint " + file + " lacks " + STATE + "; delete its run directory to train "
                + "it again");
    }

    public static State load(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new DataFormatException("--resume: no checkpoint at " + file + "; start without --resume");
        }
        Map<String, ComputationGraph> nets = new LinkedHashMap<>();
        Map<String, INDArray> averages = new LinkedHashMap<>();
        Integer completed = null;
        List<EpochRecord> history = new ArrayList<>();
        Map<String, String> settings = Map.of();
        Partial partial = Partial.NONE;
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                byte[] bytes = zip.readAllBytes();
                if (e.getName().equals(STATE)) {
                    Map<String, Object> state = JSON.readValue(bytes, new TypeReference<>() { });
                    completed = ((Number) state.get("completedEpochs")).intValue();
                    history = JSON.convertValue(state.get("history"), new TypeReference<List<EpochRecord>>() { });
                    settings = JSON.convertValue(state.get("settings"), new TypeReference<Map<String, String>>() { });
                    if (state.get("partial") != null) {
                        partial = JSON.convertValue(state.get("partial"), Partial.class);
                    }
                } else if (e.getName().startsWith(NET_PREFIX) && e.getName().endsWith(".zip")) {
                    String name = e.getName().substring(NET_PREFIX.length(), e.getName().length() - 4);
                    nets.put(name, ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes), true));
                } else if (e.getName().startsWith(AVERAGE_PREFIX) && e.getName().endsWith(".bin")) {
                    String name = e.getName().substring(AVERAGE_PREFIX.length(), e.getName().length() - 4);
                    averages.put(name, Nd4j.read(new ByteArrayInputStream(bytes)));
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new DataFormatException("checkpoint " + file + " is unreadable (" + e.getMessage()
                    + "); delete it and start without --resume", e);
        }
        if (completed == null || nets.isEmpty() || settings == null) {
            throw new DataFormatException("checkpoint " + file + " lacks " + (completed == null ? STATE : "networks")
                    + "; delete it and start without --resume");
        }
        return new State(completed, partial, history, nets, settings, averages);
    }
}
