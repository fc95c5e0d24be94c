package dev.adm.bench;

import dev.adm.core.backend.Backend;
import dev.adm.core.backend.BackendInfo;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelZoo;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One DL4J training step ({@code ComputationGraph.fit}) of a zoo ResNet on a batch of 128 1x28x28 images,
 * with DL4J's oneDNN helpers restored by {@link Backend} ({@code oneDnn=true}) and as DL4J M2.1 ships
 * ({@code oneDnn=false}). The score is images per second. Each parameter value runs in its own JVM, so
 * the helper switch (read when layers are built) really differs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OperationsPerInvocation(TrainingStepBenchmark.BATCH)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx3g", "-Dorg.bytedeco.javacpp.maxbytes=8G"})
public class TrainingStepBenchmark {
    static final int BATCH = 128;

    @Param({"resnet8"})
    String model;
    @Param({"true", "false"})
    boolean oneDnn;

    private ComputationGraph net;
    private DataSet batch;

    @Setup
    public void setUp() {
        if (!oneDnn) {
            System.setProperty(Backend.HELPERS_DISABLE_PROPERTY, "true"); // DL4J M2.1's default
        }
        BackendInfo info = Backend.initialize();
        if (info.oneDnnActive() != oneDnn) {
            throw new IllegalStateException("asked for oneDnn=" + oneDnn + " but the backend says " + info.describe());
        }
        net = ModelZoo.get(model).build(ModelConfig.builder().input(1, 28, 28).classes(10).build());
        Nd4j.getRandom().setSeed(1);
        batch = new DataSet(Nd4j.randn(DataType.FLOAT, BATCH, 1, 28, 28),
                Nd4j.eye(10).getRows(new java.util.Random(1).ints(BATCH, 0, 10).toArray()).castTo(DataType.FLOAT));
    }

    @Benchmark
    public double fitStep() {
        net.fit(batch);
        return net.score();
    }
}
