package dev.adm.cli;

import dev.adm.core.backend.Backend;
import dev.adm.diffusion.SampleGrid;
import dev.adm.diffusion.Samplers;
import dev.adm.diffusion.UNetFiles;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code adm sample}: images from a trained U-Net, as a PNG grid. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Sample images from a U-Net saved by adm train diffusion (DDIM, or DDPM with --ddpm).")
final class SampleCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "a U-Net .zip from adm train diffusion")
    Path model;
    @Option(names = "--n", defaultValue = "64", description = "images; default ${DEFAULT-VALUE}")
    int n;
    @Option(names = "--steps", defaultValue = "50", description = "DDIM steps; default ${DEFAULT-VALUE}")
    int steps;
    @Option(names = "--ddpm", description = "ancestral DDPM sampling through every step instead of DDIM")
    boolean ddpm;
    @Option(names = "--seed", defaultValue = "1", description = "default ${DEFAULT-VALUE}")
    long seed;
    @Option(names = "--out", defaultValue = "samples.png", description = "default ${DEFAULT-VALUE}")
    Path out;

    @Override
    public Integer call() {
        Backend.initialize();
        if (n < 1 || n > 4096) {
            throw new IllegalArgumentException("--n must be 1..4096, got " + n);
        }
        UNetFiles.ModelSettings s = UNetFiles.settings(model);
        ComputationGraph net = UNetFiles.load(model, 0);
        Samplers.NoiseModel m = Samplers.of(net, s.embedding());
        long[] shape = {n, 1, s.size(), s.size()};
        long start = System.nanoTime();
        INDArray images = ddpm ? Samplers.ddpm(m, s.noiseSchedule(), shape, seed)
                : Samplers.ddim(m, s.noiseSchedule(), shape, steps, seed);
        double seconds = (System.nanoTime() - start) / 1e9;
        SampleGrid.write(out, images, (int) Math.ceil(Math.sqrt(n)), Math.max(1, 84 / s.size()));
        System.out.println("wrote " + out.toAbsolutePath() + " (" + n + " images, " + (ddpm ? "DDPM, "
                + s.steps() : "DDIM, " + steps) + " steps; " + String.format(java.util.Locale.ROOT,
                "%.1f s, %.2f samples/s", seconds, n / seconds) + ")");
        return 0;
    }
}
