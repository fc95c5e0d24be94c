package dev.adm.cli;

import dev.adm.segmentation.SegmentationConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;

import java.util.Map;

/** The segmentation options shared by {@code train segmentation} and {@code experiment segmentation}. */
final class SegmentationOptions {
    @Option(names = "--canvas", description = "scene size in pixels; default ${DEFAULT-VALUE}")
    int canvas;
    @Option(names = "--items", description = "items per scene, min..max; default ${DEFAULT-VALUE}")
    String items;
    @Option(names = "--train-scenes", description = "training scenes; default ${DEFAULT-VALUE}")
    int trainScenes;
    @Option(names = "--test-scenes", description = "test scenes; default ${DEFAULT-VALUE}")
    int testScenes;
    @Option(names = "--data", description = "Fashion-MNIST IDX directory for the items (without it: the system "
            + "copy, else the embedded subset); with --data-format, the dataset root holding train/ and val/")
    Path data;
    @Option(names = "--data-format", description = "train on a folder dataset instead of composed scenes: "
            + "cityscapes (trainIds), camvid or voc; <split>/images and <split>/labels matched by name")
    String dataFormat;
    @Option(names = "--size", description = "folder datasets: resize to HxW; default ${DEFAULT-VALUE}")
    String size;
    @Option(names = "--embedded", description = "take the items from the embedded subset even when the full set is installed")
    boolean embedded;
    @Option(names = "--no-flip", description = "turn off horizontal flips of training scenes")
    boolean noFlip;
    @Option(names = "--overlays", description = "test scenes drawn in overlays.png; default ${DEFAULT-VALUE}")
    int overlays;
    @Option(names = "--validation", paramLabel = "N", description = "hold the last N training items out and score "
            + "on scenes composed from them instead of the test scenes (to choose settings without the test set)")
    int validation;
    @Option(names = "--aux", description = "give the networks built here an auxiliary FCN head on the "
            + "second-to-last stage (tap aux, trained with weight 0.4)")
    boolean aux;

    /** Defaults of these options: those of {@link SegmentationConfig}'s builder. */
    static Map<String, String> defaults() {
        SegmentationConfig d = SegmentationConfig.builder().build();
        return Map.of("--canvas", String.valueOf(d.canvas()), "--items", d.minItems() + ".." + d.maxItems(),
                "--train-scenes", String.valueOf(d.trainScenes()), "--test-scenes", String.valueOf(d.testScenes()),
                "--size", d.folderHeight() + "x" + d.folderWidth(), "--overlays", String.valueOf(d.overlays()));
    }

    /** A config builder holding these settings. */
    SegmentationConfig.Builder builder() {
        String[] range = items.split("\\.\\.", -1);
        if (range.length != 2 || !range[0].matches("\\d+") || !range[1].matches("\\d+")) {
            throw new IllegalArgumentException("--items must be min..max, e.g. 1..3; got " + items);
        }
        String[] hw = size.toLowerCase(Locale.ROOT).split("x", -1);
        if (hw.length != 2 || !hw[0].matches("\\d+") || !hw[1].matches("\\d+")) {
            throw new IllegalArgumentException("--size must be HxW, e.g. 64x128; got " + size);
        }
        return SegmentationConfig.builder().auxiliary(aux).canvas(canvas)
                .items(Integer.parseInt(range[0]), Integer.parseInt(range[1]))
                .trainScenes(trainScenes).testScenes(testScenes).dataDir(data)
                .folder(dataFormat, Integer.parseInt(hw[0]), Integer.parseInt(hw[1])).embeddedData(embedded)
                .flip(!noFlip).overlays(overlays).validation(validation);
    }
}
