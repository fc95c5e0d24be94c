package dev.adm.bench;

import dev.adm.core.backend.Backend;
import dev.adm.core.ops.GradientFunction;
import dev.adm.core.ops.SimilarityMeasure;
import dev.adm.core.ops.SpatialOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
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

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * ADM's spatial path forward and backward as the engine runs it: the similarity map S of the stop-gradient
 * maps and the consensus weights {@code HW softmax(S/tau)} computed eagerly (no gradient flows through them), then
 * in SameDiff the modulated pool {@code mean_i w_i F_s,i} and a weighted loss on it, with the gradient w.r.t.
 * {@code F_s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
public class AdmLossBenchmark {
    @Param({"128"})
    int batch;
    @Param({"64"})
    int channels;
    @Param({"16"})
    int size;

    private INDArray fs;
    private INDArray ft;
    private SameDiff sd;
    private String loss;

    @Setup
    public void setUp() {
        Backend.initialize();
        Nd4j.getRandom().setSeed(1);
        fs = Nd4j.randn(DataType.FLOAT, batch, channels, size, size);
        ft = Nd4j.randn(DataType.FLOAT, batch, channels, size, size);
        sd = SameDiff.create();
        SDVariable f = sd.placeHolder("fs", DataType.FLOAT, -1, channels, size, size);
        SDVariable w = sd.placeHolder("w", DataType.FLOAT, -1, size, size);
        SDVariable pooled = SpatialOps.modulatedPool(sd, f, new long[]{channels, size, size}, w);
        loss = pooled.mul(pooled).sum(1).mean().name();
        sd.setLossVariables(loss);
        GradientFunction.create(sd, List.of("fs"));
    }

    /** Forward and backward: eager S and weights, then the graph's loss and its gradient w.r.t. F_s. */
    @Benchmark
    public Map<String, INDArray> forwardBackward() {
        INDArray s = SpatialOps.similarity(fs, ft, SimilarityMeasure.COSINE);
        INDArray w = SpatialOps.locationWeights(s, 0.5, +1);
        s.close();
        return sd.calculateGradientsAndOutputs(Map.of("fs", fs, "w", w), List.of(loss), List.of("fs")).getGradients();
    }
}
