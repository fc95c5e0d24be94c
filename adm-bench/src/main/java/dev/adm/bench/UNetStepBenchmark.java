package dev.adm.bench;

import dev.adm.core.backend.Backend;
import dev.adm.diffusion.DiffusionZoo;
import dev.adm.diffusion.TimestepEmbedding;
import dev.adm.diffusion.UNet;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;

/**
 * One denoising training step ({@code ComputationGraph.fit}) of a zoo U-Net on a batch of 64 noisy 1xSxS images and
 * their timestep embeddings, against the noise ({@code fitStep}), and one inference pass predicting the noise of the
 * same batch ({@code denoise}: a sampler's step; DDIM with 50 steps draws {@code denoise / 50} samples per second).
 * {@code unet-small} against {@code unet-small-bn} prices group norm against DL4J's batch norm. The score is images
 * per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OperationsPerInvocation(UNetStepBenchmark.BATCH)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx3g", "-Dorg.bytedeco.javacpp.maxbytes=8G"})
public class UNetStepBenchmark {
    static final int BATCH = 64;

    @Param({"unet-small", "unet-small-bn"})
    String model;
    @Param({"28"})
    int size;

    private ComputationGraph net;
    private MultiDataSet batch;
    private INDArray[] inputs;

    @Setup
    public void setUp() {
        Backend.initialize();
        net = UNet.build(DiffusionZoo.get(model).config(1, size, 1, new Adam(1e-3)));
        Nd4j.getRandom().setSeed(1);
        int[] t = new Random(1).ints(BATCH, 0, 1000).toArray();
        INDArray noisy = Nd4j.randn(DataType.FLOAT, BATCH, 1, size, size);
        INDArray time = TimestepEmbedding.of(t, DiffusionZoo.EMBEDDING, DataType.FLOAT);
        inputs = new INDArray[]{noisy, time};
        batch = new MultiDataSet(inputs,
                new INDArray[]{Nd4j.randn(DataType.FLOAT, BATCH, 1, size, size)});
    }

    @Benchmark
    public double fitStep() {
        net.fit(batch);
        return net.score();
    }

    @Benchmark
    public INDArray denoise() {
        return net.output(false, inputs)[0];
    }
}
