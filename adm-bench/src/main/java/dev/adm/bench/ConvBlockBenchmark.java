package dev.adm.bench;

import dev.adm.core.backend.Backend;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One forward and backward pass of a conv3x3-BN-ReLU block at one of resnet8's three stage shapes (batch 128;
 * 16 channels at 28x28, 32 at 14x14, 64 at 7x7), through DL4J's layers as the engine trains them
 * ({@code impl=dl4j}) or through oneDNN directly on blocked memory with ReLU fused into batch norm
 * ({@code impl=onednn}, the {@link BlockedConvBnRelu} prototype). The score is images per second; PyTorch's
 * figure for the same block is {@code tools/reference/torch_step_throughput.py --step block}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OperationsPerInvocation(ConvBlockBenchmark.BATCH)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx3g", "-Dorg.bytedeco.javacpp.maxbytes=8G"})
public class ConvBlockBenchmark {
    static final int BATCH = 128;

    @Param({"dl4j", "onednn"})
    String impl;
    /** Channels x height (= width). */
    @Param({"16x28", "32x14", "64x7"})
    String shape;

    private Dl4jConvBnRelu dl4j;
    private BlockedConvBnRelu onednn;
    private INDArray input;
    private INDArray outputGradient;

    @Setup
    public void setUp() {
        Backend.initialize();
        String[] cs = shape.split("x");
        int channels = Integer.parseInt(cs[0]);
        int size = Integer.parseInt(cs[1]);
        Nd4j.getRandom().setSeed(1);
        input = Nd4j.randn(DataType.FLOAT, BATCH, channels, size, size);
        outputGradient = Nd4j.randn(DataType.FLOAT, BATCH, channels, size, size);
        switch (impl) {
            case "dl4j" -> dl4j = new Dl4jConvBnRelu(channels, size, size, 1);
            case "onednn" -> {
                dl4j = new Dl4jConvBnRelu(channels, size, size, 1); // the same initial parameters
                onednn = new BlockedConvBnRelu(BATCH, channels, size, size);
                onednn.setWeights(dl4j.weights().dup('c').data().asFloat());
                onednn.setGammaBeta(dl4j.gamma().dup().data().asFloat(), dl4j.beta().dup().data().asFloat());
                onednn.setInput(input.data().asFloat());
                onednn.setOutputGradient(outputGradient.data().asFloat());
                dl4j = null;
            }
            default -> throw new IllegalArgumentException("impl must be dl4j or onednn, not " + impl);
        }
    }

    @Benchmark
    public void pass() {
        if (onednn != null) {
            onednn.step();
        } else {
            dl4j.trainingPass(input, outputGradient);
        }
    }

    @TearDown
    public void tearDown() {
        if (onednn != null) {
            onednn.close();
        }
    }
}
