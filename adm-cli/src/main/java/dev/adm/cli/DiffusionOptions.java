package dev.adm.cli;

import dev.adm.diffusion.DiffusionConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

import java.util.HashMap;
import java.util.Map;

/** The diffusion options shared by {@code train diffusion} and {@code experiment diffusion}. */
final class DiffusionOptions {
    @Option(names = "--schedule", description = "noise schedule: linear or cosine; default ${DEFAULT-VALUE}")
    String schedule;
    @Option(names = "--steps", description = "diffusion steps T; default ${DEFAULT-VALUE}")
    int steps;
    @Option(names = "--downsample", description = "1: 28x28 images, 2: 14x14; default ${DEFAULT-VALUE}")
    int downsample;
    @Option(names = "--data", description = "Fashion-MNIST IDX directory; without it: the system copy, else the "
            + "embedded subset")
    Path data;
    @Option(names = "--embedded", description = "the embedded subset even when the full set is installed")
    boolean embedded;
    @Option(names = "--train-limit", description = "train on the first N images only (0 = all)")
    int trainLimit;
    @Option(names = "--eval-images", description = "held-out images of the denoising MSE; default ${DEFAULT-VALUE}")
    int evalImages;
    @Option(names = "--samples", description = "images sampled per network at the end; default ${DEFAULT-VALUE}")
    int samples;
    @Option(names = "--sampling-steps", description = "DDIM steps of those samples; default ${DEFAULT-VALUE}")
    int samplingSteps;
    @Option(names = "--fid-samples", description = "samples per network for the FID "
            + "(0 = none); default ${DEFAULT-VALUE}")
    int fidSamples;
    @Option(names = "--fid-classifier-dir", description = "where the FID "
            + "feature network is trained on first use and reused; default ${DEFAULT-VALUE}")
    Path fidClassifier;
    @Option(names = "--fid-every", paramLabel = "N", description = "also take the FID every N epochs, into "
            + "metrics.csv (the curve of a long run; a multiple of --score-every); default: only at the end")
    int fidEvery;

    /** Defaults of these options: those of {@link DiffusionConfig}'s builder. */
    static Map<String, String> defaults() {
        DiffusionConfig d = DiffusionConfig.builder().build();
        Map<String, String> m = new HashMap<>();
        m.put("--schedule", d.schedule());
        m.put("--steps", String.valueOf(d.steps()));
        m.put("--downsample", String.valueOf(d.downsample()));
        m.put("--train-limit", String.valueOf(d.trainLimit()));
        m.put("--eval-images", String.valueOf(d.evalImages()));
        m.put("--samples", String.valueOf(d.samples()));
        m.put("--sampling-steps", String.valueOf(d.samplingSteps()));
        m.put("--fid-samples", String.valueOf(d.fidSamples()));
        m.put("--fid-classifier-dir", String.valueOf(d.fidClassifier()));
        return m;
    }

    /** A config builder holding these settings. */
    DiffusionConfig.Builder builder() {
        return DiffusionConfig.builder().schedule(schedule).steps(steps).downsample(downsample).dataDir(data)
                .embeddedData(embedded)
                .trainLimit(trainLimit).evalImages(evalImages).samples(samples).samplingSteps(samplingSteps)
                .fidSamples(fidSamples).fidClassifier(fidClassifier).fidEvery(fidEvery);
    }
}
