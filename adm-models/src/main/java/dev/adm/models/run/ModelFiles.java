package dev.adm.models.run;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.GraphSurgery;
import dev.adm.models.data.DataFormatException;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The model files tasks read and write: a DL4J {@code ComputationGraph} zip, or a run's {@code checkpoint.zip}, with
 * one message naming the path and the fix for anything else.
 */
public final class ModelFiles {
    private ModelFiles() {
    }

    /**
     * Fails unless {@code file} is a non-empty regular file, saying what it is instead.
     *
     * @param howToMakeOne the end of the message: how to make such a file (the command that trains one)
     */
    public static void checkFile(Path file, String howToMakeOne) {
        Preconditions.checkArgument(!Files.isDirectory(file), "%s is a directory, not a model file; give the .zip a "
                + "run wrote (%s)", file, howToMakeOne);
        Preconditions.checkArgument(Files.isRegularFile(file), "model file %s does not exist; %s", file, howToMakeOne);
        try {
            Preconditions.checkArgument(Files.size(file) > 0, "model file %s is empty; %s", file, howToMakeOne);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A saved network without its updater state: a model zip, or from a run's {@code checkpoint.zip} its teacher
     * (or, when it trained none, its student) in the form the run trained it.
     */
    public static ComputationGraph restore(Path file, String howToMakeOne) {
        checkFile(file, howToMakeOne);
        if (file.getFileName().toString().equals(Checkpoint.FILE)) {
            return fromCheckpoint(file);
        }
        try {
            return ModelSerializer.restoreComputationGraph(file.toFile(), false);
        } catch (IOException | RuntimeException e) {
            throw new DataFormatException(file + " is not a DL4J ComputationGraph zip (" + e.getMessage() + "); "
                    + howToMakeOne, e);
        }
    }

    private static ComputationGraph fromCheckpoint(Path file) {
        Map<String, ComputationGraph> nets = Checkpoint.load(file.toAbsolutePath().getParent()).networks();
        ComputationGraph g = nets.containsKey(RunSettings.TEACHER) ? nets.get(RunSettings.TEACHER)
                : nets.get(RunSettings.STUDENT);
        Preconditions.checkArgument(g != null, "checkpoint %s holds %s, no network named %s or %s; give the model "
                + "file of the one you want (a finished run writes <network>.zip)", file, nets.keySet(),
                RunSettings.STUDENT, RunSettings.TEACHER);
        return g;
    }

    /** Saves the plain DL4J inference form of a trained graph (no taps, no updater state), atomically. */
    public static void exportInference(ComputationGraph graph, String logitsVertex, Path file) {
        ComputationGraph plain = GraphSurgery.forInference(graph, logitsVertex);
        AtomicFiles.writeVia(file, tmp -> ModelSerializer.writeModel(plain, tmp.toFile(), false));
    }
}
