package dev.adm.bench;

import dev.adm.core.backend.Backend;
import dev.adm.core.ops.SimilarityMeasure;
import dev.adm.core.ops.SpatialOps;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce3.CosineSimilarity;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Channel-axis cosine similarity of two {@code [B,C,H,W]} float maps, the kernel behind ADM's map S:
 * the project's op ({@link SpatialOps#similarity}: the one-pass vector-API kernel on the CPU, with a new result
 * and into a reused output), ND4J's bare
 * reduce3 {@code CosineSimilarity}, and the naive mul/sum/norm2/div chain. Both inputs are read once by a
 * one-pass kernel, so {@code 2 * B*C*H*W * 4 bytes / time} is its effective bandwidth ({@code BenchMain}
 * prints it next to {@link TriadBenchmark}'s).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
public class SimilarityBenchmark {
    @Param({"32", "128"})
    int batch;
    @Param({"64", "256"})
    int channels;
    @Param({"8", "16", "32"})
    int size;

    private INDArray fs;
    private INDArray ft;
    private INDArray out;

    @Setup
    public void setUp() {
        Backend.initialize();
        Nd4j.getRandom().setSeed(1);
        fs = Nd4j.randn(DataType.FLOAT, batch, channels, size, size);
        ft = Nd4j.randn(DataType.FLOAT, batch, channels, size, size);
        out = Nd4j.create(DataType.FLOAT, batch, size, size);
    }

    @Benchmark
    public INDArray admSimilarity() {
        return SpatialOps.similarity(fs, ft, SimilarityMeasure.COSINE);
    }

    /** The same op writing a reused output, as the triad writes its {@code y} in place: the kernel alone. */
    @Benchmark
    public INDArray admSimilarityInto() {
        return SpatialOps.similarity(fs, ft, SimilarityMeasure.COSINE, out);
    }

    @Benchmark
    public INDArray nd4jReduce3() {
        return Nd4j.exec(new CosineSimilarity(fs, ft, 1));
    }

    @Benchmark
    public INDArray naiveChain() {
        INDArray dot = fs.mul(ft).sum(1);
        return dot.divi(fs.norm2(1).muli(ft.norm2(1)));
    }
}
