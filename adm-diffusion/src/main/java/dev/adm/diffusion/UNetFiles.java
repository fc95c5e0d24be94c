package dev.adm.diffusion;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Preconditions;
import dev.adm.models.data.DataFormatException;
import dev.adm.models.run.AtomicFiles;
import dev.adm.models.run.ModelFiles;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The file of a trained U-Net: plain DL4J (inputs {@code (x_t, embedding(t))}, output the predicted noise) with its
 * diffusion settings (schedule, steps, image size, embedding width) in an entry of the zip, so that
 * {@code adm sample} and a frozen teacher need nothing else.
 */
public final class UNetFiles {
    /** The zip entry holding a model's diffusion settings (schedule, steps, size, embedding). */
    public static final String SETTINGS_ENTRY = "adm-diffusion.json";
    private static final String TRAIN_ONE = "train one with: ./adm train diffusion --method baseline --student "
            + "unet-base --out DIR";

    private UNetFiles() {
    }

    /**
     * Saves the plain DL4J U-Net (a fresh graph of the same configuration holding the trained parameters, so no
     * taps or updater state) with its diffusion settings in the zip.
     */
    static void export(ComputationGraph trained, UNet.Config config, String schedule, int steps, int size, Path file) {
        ComputationGraph plain = UNet.build(config);
        for (var layer : plain.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            if (layer.numParams() > 0) {
                layer.setParams(trained.getLayer(name).params().dup());
            }
        }
        Map<String, Object> settings = Map.of("schedule", schedule, "steps", steps, "size", size,
                "embedding", config.embedding());
        AtomicFiles.writeVia(file, tmp -> {
            ModelSerializer.writeModel(plain, tmp.toFile(), false);
            ModelSerializer.addObjectToFile(tmp.toFile(), SETTINGS_ENTRY,
                    new ObjectMapper().writeValueAsString(settings));
        });
    }

    /** The diffusion settings stored in an exported U-Net. */
    public record ModelSettings(String schedule, int steps, int size, int embedding) {
        public NoiseSchedule noiseSchedule() {
            return NoiseSchedule.parse(schedule, steps);
        }
    }

    /** Loads an exported U-Net and its settings; clear errors for other files. */
    public static ComputationGraph load(Path file, int expectedSize) {
        ModelSettings s = settings(file);
        Preconditions.checkArgument(expectedSize <= 0 || s.size() == expectedSize, "model %s works on %sx%s images "
                + "but this run uses %sx%s; use --downsample to match", file, s.size(), s.size(), expectedSize,
                expectedSize);
        return ModelFiles.restore(file, TRAIN_ONE);
    }

    public static ModelSettings settings(Path file) {
        ModelFiles.checkFile(file, TRAIN_ONE);
        String json;
        try {
            json = ModelSerializer.getObjectFromFile(file.toFile(), SETTINGS_ENTRY);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a U-Net saved by adm train diffusion (no "
                    + SETTINGS_ENTRY + " inside); use a student.zip from such a run", e);
        }
        try {
            return new ObjectMapper().readValue(json, ModelSettings.class);
        } catch (IOException e) {
            throw new DataFormatException(file + ": unreadable " + SETTINGS_ENTRY + " (" + e.getMessage() + ")", e);
        }
    }
}
