package dev.adm.diffusion;

import dev.adm.core.testing.AdmTestBase;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiffusionBasicsTest extends AdmTestBase {
    /** DL4J's gradient checker on a double-precision graph (it insists on double as ND4J's default type). */
    private static void assertPassesGradientCheck(ComputationGraph g, INDArray[] inputs, INDArray labels) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g).inputs(inputs)
                    .labels(new INDArray[]{labels})));
        } finally {
            Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        }
    }

    @Test
    void schedulesFollowTheirDefinitions() {
        NoiseSchedule linear = NoiseSchedule.of(NoiseSchedule.Kind.LINEAR, 1000);
        assertEquals(1e-4, linear.beta(0), 1e-15);
        assertEquals(0.02, linear.beta(999), 1e-15);
        assertEquals((1 - 1e-4) * (1 - linear.beta(1)), linear.alphaBar(1), 1e-15);
        assertEquals(4.0358e-5, linear.alphaBar(999), 1e-8); // DDPM's alphaBar_T with these betas
        NoiseSchedule cosine = NoiseSchedule.of(NoiseSchedule.Kind.COSINE, 1000);
        double f0 = Math.pow(Math.cos(0.008 / 1.008 * Math.PI / 2), 2);
        for (int t : new int[]{0, 10, 500, 900}) {
            double ft = Math.pow(Math.cos(((t + 1) / 1000.0 + 0.008) / 1.008 * Math.PI / 2), 2);
            assertEquals(ft / f0, cosine.alphaBar(t), 1e-9, "t = " + t);
        }
        for (int t = 1; t < 1000; t++) {
            assertTrue(cosine.alphaBar(t) < cosine.alphaBar(t - 1) && linear.alphaBar(t) < linear.alphaBar(t - 1));
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> NoiseSchedule.parse("sigmoid", 100));
        assertTrue(bad.getMessage().contains("linear or cosine"), bad.getMessage());

        INDArray x0 = Nd4j.ones(DataType.DOUBLE, 2, 1, 2, 2);
        INDArray eps = Nd4j.ones(DataType.DOUBLE, 2, 1, 2, 2).muli(2);
        INDArray xt = linear.addNoise(x0, new int[]{0, 999}, eps);
        assertEquals(Math.sqrt(linear.alphaBar(0)) + 2 * Math.sqrt(1 - linear.alphaBar(0)), xt.getDouble(0, 0, 1, 1),
                1e-12);
        assertEquals(Math.sqrt(linear.alphaBar(999)) + 2 * Math.sqrt(1 - linear.alphaBar(999)),
                xt.getDouble(1, 0, 0, 0), 1e-12);
    }

    @Test
    void timestepEmbeddingIsDdpmsSinusoid() {
        INDArray e = TimestepEmbedding.of(new int[]{0, 7}, 8, DataType.DOUBLE);
        assertArrayEquals(new long[]{2, 8}, e.shape());
        assertEquals(0, e.getDouble(0, 0), 0);
        assertEquals(1, e.getDouble(0, 4), 0);
        double w2 = Math.exp(-Math.log(10000) * 2 / 3);
        assertEquals(Math.sin(7 * w2), e.getDouble(1, 2), 1e-12);
        assertEquals(Math.cos(7 * w2), e.getDouble(1, 6), 1e-12);
    }

    @Test
    void channelBiasVertexPassesDl4jsGradientCheck() {
        var conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE).updater(new NoOp())
                .graphBuilder().addInputs("map", "vec")
                .setInputTypes(InputType.convolutional(3, 3, 2), InputType.feedForward(4))
                .addLayer("conv", new ConvolutionLayer.Builder(1, 1).nIn(2).nOut(3).activation(Activation.TANH).build(),
                        "map")
                .addLayer("proj", new DenseLayer.Builder().nIn(4).nOut(3).activation(Activation.TANH).build(), "vec")
                .addVertex("add", new ChannelBiasVertex(), "conv", "proj")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .build(), "add")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        INDArray map = Nd4j.randn(DataType.DOUBLE, 2, 2, 3, 3);
        INDArray vec = Nd4j.randn(DataType.DOUBLE, 2, 4);
        INDArray[] out = g.output(map, vec);
        INDArray expected = g.feedForward(new INDArray[]{map, vec}, false).get("conv")
                .add(g.feedForward(new INDArray[]{map, vec}, false).get("proj").reshape(2, 3, 1, 1));
        assertEquals(expected, out[0]);
        assertPassesGradientCheck(g, new INDArray[]{map, vec}, Nd4j.randn(DataType.DOUBLE, 2, 3, 3, 3));
    }

    /** Data = one image {@code target}: the exact eps of x_t is (x_t - sqrt(ab) target) / sqrt(1 - ab), times scale. */
    private static Samplers.NoiseModel pointMassPredictor(NoiseSchedule s, INDArray target, double scale) {
        return (xt, t) -> {
            INDArray eps = xt.dup();
            for (int i = 0; i < t.length; i++) {
                double ab = s.alphaBar(t[i]);
                eps.slice(i).assign(xt.slice(i).sub(target.slice(0).mul(Math.sqrt(ab))).div(Math.sqrt(1 - ab))
                        .mul(scale));
            }
            return eps;
        };
    }

    @Test
    void samplersRecoverAPointMassFromItsExactNoisePredictor() {
        assertBothSamplersEndNearThePointMass(NoiseSchedule.of(NoiseSchedule.Kind.COSINE, 200), 1.0, 3, 20, 1e-4);
        assertArrayEquals(new int[]{0, 66, 133, 199}, Samplers.timesteps(200, 4));
    }

    /**
     * A noise estimate 20% too large (what the 500-step unet-base teacher gives at high t): continuing from the
     * clipped x_0 keeps both samplers near the data. The unclipped forms fed the excess back each step (with that
     * teacher x_t grew to a standard deviation of 13) and ended far from it: DDIM 0.94 off here.
     */
    @Test
    void samplersStayNearTheDataWhenTheNoiseEstimateIsTooLarge() {
        assertBothSamplersEndNearThePointMass(NoiseSchedule.of(NoiseSchedule.Kind.COSINE, 1000), 1.2, 8, 50, 0.1);
    }

    /** {@code n} DDIM samples of {@code ddimSteps} steps and {@code n} DDPM samples, each within {@code tol}. */
    private static void assertBothSamplersEndNearThePointMass(NoiseSchedule s, double scale, int n, int ddimSteps,
                                                              double tol) {
        INDArray target = Nd4j.linspace(-0.9, 0.9, 16, DataType.FLOAT).reshape(1, 1, 4, 4);
        Samplers.NoiseModel model = pointMassPredictor(s, target, scale);
        INDArray ddim = Samplers.ddim(model, s, new long[]{n, 1, 4, 4}, ddimSteps, 5);
        INDArray ddpm = Samplers.ddpm(model, s, new long[]{n, 1, 4, 4}, 5);
        for (int i = 0; i < n; i++) {
            assertEquals(0, ddim.slice(i).sub(target.slice(0)).amaxNumber().doubleValue(), tol, "ddim " + i);
            assertEquals(0, ddpm.slice(i).sub(target.slice(0)).amaxNumber().doubleValue(), tol, "ddpm " + i);
        }
    }

    /** A conv, then attention, then an MSE loss; every attention parameter random (Wo is zero when built). */
    private static ComputationGraph attentionGraph() {
        var conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE).updater(new NoOp())
                .graphBuilder().addInputs("map").setInputTypes(InputType.convolutional(2, 3, 2))
                .addLayer("conv", new ConvolutionLayer.Builder(1, 1).nIn(2).nOut(3).activation(Activation.TANH).build(),
                        "map")
                .addLayer("attn", new SpatialSelfAttention(3), "conv")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .build(), "attn")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        assertEquals(0.0, g.getLayer("attn").getParam(SpatialSelfAttention.OUT_W).norm2Number().doubleValue(),
                "the output projection starts at zero: a new block is the identity");
        Nd4j.getRandom().setSeed(9);
        for (String p : new String[]{SpatialSelfAttention.QKV_W, SpatialSelfAttention.QKV_B, SpatialSelfAttention.OUT_W,
                SpatialSelfAttention.OUT_B}) {
            g.getLayer("attn").getParam(p).assign(Nd4j.randn(DataType.DOUBLE, g.getLayer("attn").getParam(p).shape()));
        }
        return g;
    }

    @Test
    void selfAttentionMatchesItsDefinitionAndPassesDl4jsGradientCheck() {
        ComputationGraph g = attentionGraph();
        INDArray map = Nd4j.randn(DataType.DOUBLE, 2, 2, 2, 3);
        INDArray x = g.feedForward(map, false).get("conv");
        INDArray out = g.output(map)[0];
        // the definition, location by location: out[:, i] = x[:, i] + sum_j softmax_j(q_i . k_j / sqrt(C)) v_j Wo + bo
        var layer = g.getLayer("attn");
        INDArray wqkv = layer.getParam(SpatialSelfAttention.QKV_W);
        INDArray bqkv = layer.getParam(SpatialSelfAttention.QKV_B);
        INDArray wo = layer.getParam(SpatialSelfAttention.OUT_W);
        INDArray bo = layer.getParam(SpatialSelfAttention.OUT_B);
        for (int b = 0; b < 2; b++) {
            INDArray tokens = x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b)).reshape(3, 6).transpose(); // [HW,C]
            INDArray qkv = tokens.mmul(wqkv).addRowVector(bqkv);
            for (int i = 0; i < 6; i++) {
                double[] score = new double[6];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < 6; j++) {
                    double dot = 0;
                    for (int c = 0; c < 3; c++) {
                        dot += qkv.getDouble(i, c) * qkv.getDouble(j, 3 + c);
                    }
                    score[j] = dot / Math.sqrt(3);
                    max = Math.max(max, score[j]);
                }
                double z = 0;
                for (int j = 0; j < 6; j++) {
                    score[j] = Math.exp(score[j] - max);
                    z += score[j];
                }
                double[] attended = new double[3];
                for (int j = 0; j < 6; j++) {
                    for (int c = 0; c < 3; c++) {
                        attended[c] += score[j] / z * qkv.getDouble(j, 6 + c);
                    }
                }
                for (int c = 0; c < 3; c++) {
                    double proj = bo.getDouble(0, c);
                    for (int d = 0; d < 3; d++) {
                        proj += attended[d] * wo.getDouble(d, c);
                    }
                    assertEquals(tokens.getDouble(i, c) + proj, out.getDouble(b, c, i / 3, i % 3), 1e-10,
                            "batch " + b + ", location " + i + ", channel " + c);
                }
            }
        }
        assertPassesGradientCheck(g, new INDArray[]{map}, Nd4j.randn(DataType.DOUBLE, 2, 3, 2, 3));
    }

    /** A conv, then group norm (2 groups of 2 channels), with or without SiLU, then an MSE loss; gamma and beta
     * random. */
    private static ComputationGraph groupNormGraph(boolean silu) {
        var conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE).updater(new NoOp())
                .graphBuilder().addInputs("map").setInputTypes(InputType.convolutional(2, 3, 2))
                .addLayer("conv", new ConvolutionLayer.Builder(1, 1).nIn(2).nOut(4).activation(Activation.TANH).build(),
                        "map")
                .addLayer("gn", new GroupNormalization(4, 2, silu), "conv")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .build(), "gn")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        assertEquals(4.0, g.getLayer("gn").getParam(GroupNormalization.GAMMA).sumNumber().doubleValue(), 1e-12,
                "gamma starts at 1");
        Nd4j.getRandom().setSeed(11);
        g.getLayer("gn").getParam(GroupNormalization.GAMMA).assign(Nd4j.randn(DataType.DOUBLE, 1, 4));
        g.getLayer("gn").getParam(GroupNormalization.BETA).assign(Nd4j.randn(DataType.DOUBLE, 1, 4));
        return g;
    }

    /**
     * Group norm by its definition, per image and group; the same image alone or in a batch, training or
     * inference, gives the same output; DL4J's gradient check passes; ModelSerializer saves and restores it.
     */
    @Test
    void groupNormMatchesItsDefinitionPassesDl4jsGradientCheckAndSaves(@org.junit.jupiter.api.io.TempDir
                                                                        java.nio.file.Path dir) throws Exception {
        ComputationGraph g = groupNormGraph(true);
        INDArray map = Nd4j.randn(DataType.DOUBLE, 3, 2, 2, 3);
        INDArray x = g.feedForward(map, false).get("conv");
        INDArray out = g.output(map)[0];
        INDArray gamma = g.getLayer("gn").getParam(GroupNormalization.GAMMA);
        INDArray beta = g.getLayer("gn").getParam(GroupNormalization.BETA);
        for (int b = 0; b < 3; b++) {
            for (int group = 0; group < 2; group++) {
                double sum = 0;
                double sq = 0;
                for (int c = 2 * group; c < 2 * group + 2; c++) {
                    for (int i = 0; i < 6; i++) {
                        double v = x.getDouble(b, c, i / 3, i % 3);
                        sum += v;
                        sq += v * v;
                    }
                }
                double mean = sum / 12;
                double var = sq / 12 - mean * mean;
                for (int c = 2 * group; c < 2 * group + 2; c++) {
                    for (int i = 0; i < 6; i++) {
                        double y = gamma.getDouble(0, c) * (x.getDouble(b, c, i / 3, i % 3) - mean)
                                / Math.sqrt(var + 1e-5) + beta.getDouble(0, c);
                        double silu = y / (1 + Math.exp(-y));
                        assertEquals(silu, out.getDouble(b, c, i / 3, i % 3), 1e-10, b + "," + c + "," + i);
                    }
                }
            }
        }
        INDArray alone = g.output(true, map.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2)))[0];
        assertTrue(alone.equalsWithEps(out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2)), 1e-12),
                "no batch statistics: an image alone, in training mode, is normalised as in the batch");
        assertPassesGradientCheck(g, new INDArray[]{map}, Nd4j.randn(DataType.DOUBLE, 3, 4, 2, 3));
        assertPassesGradientCheck(groupNormGraph(false), new INDArray[]{map}, Nd4j.randn(DataType.DOUBLE, 3, 4, 2, 3));
        java.nio.file.Path file = dir.resolve("gn.zip");
        org.deeplearning4j.util.ModelSerializer.writeModel(g, file.toFile(), true);
        ComputationGraph restored = org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(file.toFile());
        assertEquals(out, restored.output(map)[0]);
        assertThrows(IllegalArgumentException.class, () -> new GroupNormalization(6, 4, true));
        assertEquals(List.of(1L, 2L, 4L, 16L, 32L, 32L, 3L), java.util.stream.LongStream.of(2, 4, 8, 32, 64, 128, 6)
                .mapToObj(GroupNormalization::groupsFor).toList());
    }

    /** In float, a large scale puts the pre-activation far past where exp overflows; the SiLU slope must stay finite. */
    @Test
    void groupNormGradientsStayFiniteInFloatForLargeActivations() {
        var conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT).updater(new NoOp())
                .graphBuilder().addInputs("map").setInputTypes(InputType.convolutional(8, 8, 4))
                .addLayer("gn", new GroupNormalization(4, 1, true), "map")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .build(), "gn")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        g.getLayer("gn").getParam(GroupNormalization.GAMMA).assign(100);
        Nd4j.getRandom().setSeed(3);
        g.setInputs(Nd4j.randn(DataType.FLOAT, 2, 4, 8, 8));
        g.setLabels(Nd4j.zeros(DataType.FLOAT, 2, 4, 8, 8));
        g.computeGradientAndScore();
        INDArray grad = g.gradient().gradient();
        assertEquals(0, grad.isNaN().castTo(DataType.INT).sumNumber().intValue(), "no NaN in " + grad);
        assertEquals(0, grad.isInfinite().castTo(DataType.INT).sumNumber().intValue(), "no inf in " + grad);
    }

    @Test
    void theFidCurveFollowsTheScoredEpochs() {
        IllegalArgumentException off = assertThrows(IllegalArgumentException.class,
                () -> DiffusionConfig.builder().scoreEvery(2).fidEvery(3).build());
        assertTrue(off.getMessage().contains("multiple of --score-every (2), got 3"), off.getMessage());
        assertEquals(4, DiffusionConfig.builder().scoreEvery(2).fidEvery(4).build().fidEvery());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> DiffusionConfig.builder().fidSamples(0).fidEvery(1).build());
        assertTrue(none.getMessage().contains("--fid-samples"), none.getMessage());
    }

    @Test
    void theUNetPredictsNoiseOfTheImagesShapeWithABottleneckTap() {
        UNet.Config c = UNet.Config.small(1, 28, 1);
        ComputationGraph net = UNet.build(c);
        int[] t = {3, 500};
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 1, 28, 28);
        INDArray eps = net.output(false, x, TimestepEmbedding.of(t, c.embedding(), DataType.FLOAT))[0];
        assertArrayEquals(new long[]{2, 1, 28, 28}, eps.shape());
        long[] feat = net.getConfiguration().getLayerActivationTypes(InputType.convolutional(28, 28, 1),
                InputType.feedForward(c.embedding())).get(UNet.FEAT).getShape(false);
        assertArrayEquals(new long[]{32, 7, 7}, feat);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> UNet.Config.small(1, 30, 1));
        assertTrue(bad.getMessage().contains("divisible by 4"), bad.getMessage() + " " + Arrays.toString(feat));
    }
}
