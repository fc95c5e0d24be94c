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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The machine's memory bandwidth, STREAM-triad style: {@code y = a*x + y} (BLAS saxpy, multithreaded by
 * ND4J's native backend) over float arrays far larger than the caches; it moves {@code 3 * n * 4} bytes (read
 * x and y, write y). Kernel figures are printed as a fraction of this.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
public class TriadBenchmark {
    /** 2^25 floats: 128 MB per array. */
    @Param({"33554432"})
    int length;

    private INDArray x;
    private INDArray y;

    @Setup
    public void setUp() {
        Backend.initialize();
        x = Nd4j.rand(DataType.FLOAT, length);
        y = Nd4j.rand(DataType.FLOAT, length);
    }

    @Benchmark
    public INDArray triad() {
        Nd4j.getBlasWrapper().level1().axpy(length, 1e-7, x, y);
        return y;
    }
}
