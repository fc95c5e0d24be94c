package dev.adm.cli;

import dev.adm.diffusion.DiffusionConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The diffusion options shared by {@code train diffusion} and {@code experiment diffusion}. */
final class DiffusionOptions {
    @Option(names = "--schedule", defaultValue = "cosine", description = "noise schedule: linear or cosine; default ${DEFAULT-VALUE}")
    String schedule;
    @Option(names = "--steps", defaultValue = "1000", description = "diffusion steps T; default ${DEFAULT-VALUE}")
    int steps;
    @Option(names = "--downsample", defaultValue = "2", description = "1: 28x28 images, 2: 14x14; default ${DEFAULT-VALUE}")
    int downsample;
    @Option(names = "--data", description = "Fashion-MNIST IDX directory; without it: the system copy, else the "
            + "embedded subset")
    Path data;
    @Option(names = "--embedded", description = "the embedded subset even when the full set is installed")
    boolean embedded;
    @Option(names = "--train-limit", defaultValue = "0", description = "train on the first N images only (0 = all)")
    int trainLimit;
    @Option(names = "--eval-images", defaultValue = "500", description = "held-out images of the denoising MSE; default ${DEFAULT-VALUE}")
    int evalImages;
    @Option(names = "--samples", defaultValue = "64", description = "images sampled per network at the end; default ${DEFAULT-VALUE}")
    int samples;
    @Option(names = "--sampling-steps", defaultValue = "50", description = "DDIM steps of those samples; default ${DEFAULT-VALUE}")
    int samplingSteps;
    @Option(names = "--fid-samples", defaultValue = "1000", description = "samples per network for the FID "
            + "(0 = none); default ${DEFAULT-VALUE}")
    int fidSamples;
    @Option(names = "--fid-classifier-dir", defaultValue = "runs/fid-classifier", description = "where the FID "
            + "feature network is trained on first use and reused; default ${DEFAULT-VALUE}")
    Path fidClassifier;

    /** A config builder holding these settings. */
    DiffusionConfig.Builder builder() {
        return DiffusionConfig.builder().schedule(schedule).steps(steps).downsample(downsample).dataDir(data).embeddedData(embedded)
                .trainLimit(trainLimit).evalImages(evalImages).samples(samples).samplingSteps(samplingSteps)
                .fidSamples(fidSamples).fidClassifier(fidClassifier);
    }
}
