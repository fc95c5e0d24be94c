package dev.adm.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The oneDNN prototype computes what DL4J's layers compute, so its benchmark measures the same work. */
class BlockedConvBnReluTest {
    private static final int N = 4;
    private static final int C = 8;
    private static final int H = 6;
    private static final int W = 5;

    @Test
    void forwardAndBackwardEqualDl4jLayers() {
        Nd4j.getRandom().setSeed(7);
        INDArray input = Nd4j.randn(DataType.FLOAT, N, C, H, W);
        INDArray outputGradient = Nd4j.randn(DataType.FLOAT, N, C, H, W);
        Dl4jConvBnRelu dl4j = new Dl4jConvBnRelu(C, H, W, 3);
        dl4j.gamma().assign(Nd4j.rand(DataType.FLOAT, 1, C).addi(0.5));
        dl4j.beta().assign(Nd4j.randn(DataType.FLOAT, 1, C).muli(0.1));
        dl4j.step(input, outputGradient);

        try (BlockedConvBnRelu onednn = new BlockedConvBnRelu(N, C, H, W)) {
            onednn.setWeights(dl4j.weights().dup('c').data().asFloat());
            onednn.setGammaBeta(dl4j.gamma().dup().data().asFloat(), dl4j.beta().dup().data().asFloat());
            onednn.setInput(input.dup('c').data().asFloat());
            onednn.setOutputGradient(outputGradient.dup('c').data().asFloat());
            onednn.step();

            float[] out = onednn.output();
            assertClose(dl4j.output(), out, 1e-4f);
            long zeros = java.util.stream.IntStream.range(0, out.length).filter(i -> out[i] == 0f).count();
            assertEquals(0.5, zeros / (double) out.length, 0.15, "about half the ReLU outputs are zero");
            assertClose(dl4j.inputGradient(), onednn.inputGradient(), 1e-3f);
            assertClose(dl4j.weightGradient(), onednn.weightGradient(), 1e-3f);
            float[] gammaBeta = onednn.gammaBetaGradient();
            assertClose(dl4j.gammaGradient(), java.util.Arrays.copyOfRange(gammaBeta, 0, C), 1e-3f);
            assertClose(dl4j.betaGradient(), java.util.Arrays.copyOfRange(gammaBeta, C, 2 * C), 1e-3f);
        }
    }

    @Test
    void engineWayPassGivesTheLayerByLayerGradients() {
        Nd4j.getRandom().setSeed(8);
        INDArray input = Nd4j.randn(DataType.FLOAT, N, C, H, W);
        INDArray outputGradient = Nd4j.randn(DataType.FLOAT, N, C, H, W);
        Dl4jConvBnRelu dl4j = new Dl4jConvBnRelu(C, H, W, 3);
        dl4j.step(input, outputGradient);
        INDArray weightGradient = dl4j.weightGradient().dup();
        INDArray gammaGradient = dl4j.gammaGradient().dup();
        org.deeplearning4j.nn.gradient.Gradient g = dl4j.trainingPass(input, outputGradient);
        assertClose(weightGradient, g.getGradientFor("conv_W").dup('c').data().asFloat(), 1e-5f);
        assertClose(gammaGradient, g.getGradientFor("bn_gamma").dup('c').data().asFloat(), 1e-5f);
    }

    private static void assertClose(INDArray expected, float[] actual, float relative) {
        float[] e = expected.dup('c').data().asFloat();
        float scale = 0;
        for (float v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertArrayEquals(e, actual, relative * Math.max(scale, 1f));
    }
}
