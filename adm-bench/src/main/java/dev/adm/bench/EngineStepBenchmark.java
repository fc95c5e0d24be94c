package dev.adm.bench;

import dev.adm.core.backend.Backend;
import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.methods.MethodRegistry;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelSpec;
import dev.adm.models.zoo.ModelZoo;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One full training step of the distillation engine on a batch of 128 1x28x28 images, in images per second:
 * {@code baseline} trains the student alone (resnet8), {@code dml} and {@code adm} train the resnet20 teacher
 * and the resnet8 student together (forward both, losses, backward both, both updates).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OperationsPerInvocation(EngineStepBenchmark.BATCH)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx3g", "-Dorg.bytedeco.javacpp.maxbytes=8G"})
public class EngineStepBenchmark {
    static final int BATCH = 128;

    @Param({"baseline", "dml", "adm"})
    String method;
    @Param({"resnet20"})
    String teacher;
    @Param({"resnet8"})
    String student;
    /** Threads the batch is split between ({@link DistillationEngine#setWorkers}); above 1, start the JMH process
     * with {@code OMP_NUM_THREADS} = cores / workers (its forks inherit it). */
    @Param({"1"})
    int workers;

    private DistillationEngine engine;
    private INDArray features;
    private INDArray labels;

    @Setup
    public void setUp() {
        Backend.initialize();
        ModelConfig cfg = ModelConfig.builder().input(1, 28, 28).classes(10).seed(1).build();
        List<Participant> nets = new ArrayList<>();
        if (!method.equals("baseline")) {
            ModelSpec t = ModelZoo.get(teacher);
            nets.add(Participant.builder("teacher", t.build(cfg)).role(Role.TEACHER).taps(t.tapAliases()).build());
        }
        ModelSpec s = ModelZoo.get(student);
        nets.add(Participant.builder("student", s.build(cfg)).role(Role.STUDENT).taps(s.tapAliases()).build());
        engine = new DistillationEngine(MethodRegistry.create(method, Map.of()), nets, new long[]{1, 28, 28}, 10);
        engine.setWorkers(workers);
        Nd4j.getRandom().setSeed(1);
        features = Nd4j.randn(DataType.FLOAT, BATCH, 1, 28, 28);
        labels = Nd4j.eye(10).getRows(new Random(1).ints(BATCH, 0, 10).toArray()).castTo(DataType.FLOAT);
    }

    @Benchmark
    public double step() {
        return engine.step(features, labels).totals().get("student");
    }
}
