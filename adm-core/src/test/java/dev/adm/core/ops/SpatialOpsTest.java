package dev.adm.core.ops;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.FiniteDifferences;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;

import static dev.adm.core.testing.FiniteDifferences.placeholder;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpatialOpsTest extends AdmTestBase {

    private static INDArray randn(long... shape) {
        return Nd4j.randn(DataType.DOUBLE, shape);
    }

    /** Plain-Java reference of the cosine of docs/methods.md#adm (step 2). */
    private static double cosineRef(INDArray a, INDArray b, int n, int h, int w) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int c = 0; c < a.size(1); c++) {
            double x = a.getDouble(n, c, h, w);
            double y = b.getDouble(n, c, h, w);
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return dot / Math.max(Math.sqrt(na) * Math.sqrt(nb), 1e-8);
    }

    /** Plain-Java reference of the normalised attention map of one sample. */
    private static double[][] attentionRef(INDArray f, int n) {
        int h = (int) f.size(2);
        int w = (int) f.size(3);
        double[][] a = new double[h][w];
        double max = 0;
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                double s = 0;
                for (int c = 0; c < f.size(1); c++) {
                    s += f.getDouble(n, c, i, j) * f.getDouble(n, c, i, j);
                }
                a[i][j] = s / f.size(1);
                max = Math.max(max, a[i][j]);
            }
        }
        for (double[] row : a) {
            for (int j = 0; j < w; j++) {
                row[j] /= Math.max(max, 1e-8);
            }
        }
        return a;
    }

    private static INDArray sameDiffSimilarity(INDArray fs, INDArray ft, SimilarityMeasure m) {
        SameDiff sd = SameDiff.create();
        long[] chwS = {fs.size(1), fs.size(2), fs.size(3)};
        long[] chwT = {ft.size(1), ft.size(2), ft.size(3)};
        SDVariable s = SpatialOps.similarity(sd, placeholder(sd, "fs", fs), placeholder(sd, "ft", ft), chwS, chwT, m);
        return sd.output(Map.of("fs", fs, "ft", ft), s.name()).get(s.name());
    }

    @Test
    void cosineMatchesHandComputationInBothForms() {
        INDArray fs = randn(2, 5, 3, 4);
        INDArray ft = randn(2, 5, 3, 4);
        INDArray eager = SpatialOps.similarity(fs, ft, SimilarityMeasure.COSINE);
        INDArray graph = sameDiffSimilarity(fs, ft, SimilarityMeasure.COSINE);
        assertArrayEquals(new long[]{2, 3, 4}, eager.shape());
        assertArrayEquals(new long[]{2, 3, 4}, graph.shape());
        for (int n = 0; n < 2; n++) {
            for (int h = 0; h < 3; h++) {
                for (int w = 0; w < 4; w++) {
                    double ref = cosineRef(fs, ft, n, h, w);
                    assertEquals(ref, eager.getDouble(n, h, w), 1e-12);
                    assertEquals(ref, graph.getDouble(n, h, w), 1e-12);
                }
            }
        }
    }

    @Test
    void cosineOfZeroVectorIsZeroNotNaN() {
        INDArray fs = randn(2, 3, 2, 2);
        INDArray ft = randn(2, 3, 2, 2);
        fs.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.point(1), NDArrayIndex.point(0)).assign(0);
        ft.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.point(1)).assign(0);
        INDArray eager = SpatialOps.similarity(fs, ft, SimilarityMeasure.COSINE);
        INDArray graph = sameDiffSimilarity(fs, ft, SimilarityMeasure.COSINE);
        assertEquals(0.0, eager.getDouble(0, 1, 0));
        assertEquals(0.0, graph.getDouble(0, 1, 0));
        assertEquals(0.0, eager.getDouble(1, 0, 1));
        assertEquals(cosineRef(fs, ft, 0, 0, 0), eager.getDouble(0, 0, 0), 1e-12);
    }

    @Test
    void attentionMatchesHandComputationAndAllowsChannelMismatch() {
        INDArray fs = randn(2, 3, 3, 3);
        INDArray ft = randn(2, 7, 3, 3);
        INDArray eager = SpatialOps.similarity(fs, ft, SimilarityMeasure.ATTENTION);
        INDArray graph = sameDiffSimilarity(fs, ft, SimilarityMeasure.ATTENTION);
        for (int n = 0; n < 2; n++) {
            double[][] as = attentionRef(fs, n);
            double[][] at = attentionRef(ft, n);
            for (int h = 0; h < 3; h++) {
                for (int w = 0; w < 3; w++) {
                    double ref = 1 - Math.abs(as[h][w] - at[h][w]);
                    assertEquals(ref, eager.getDouble(n, h, w), 1e-12);
                    assertEquals(ref, graph.getDouble(n, h, w), 1e-12);
                }
            }
        }
    }

    @Test
    void similarityIntoOutMatchesTheAllocatingFormForDenseViewAndAttentionOutputs() {
        INDArray fs = Nd4j.randn(DataType.FLOAT, 3, 16, 12, 12);
        INDArray ft = Nd4j.randn(DataType.FLOAT, 3, 16, 12, 12);
        INDArray expected = SpatialOps.similarity(fs, ft, SimilarityMeasure.COSINE);
        INDArray dense = Nd4j.valueArrayOf(new long[]{3, 12, 12}, 7f); // stale values must all be overwritten
        assertTrue(dense == SpatialOps.similarity(fs, ft, SimilarityMeasure.COSINE, dense));
        assertEquals(0.0, expected.sub(dense).amaxNumber().doubleValue(), 0.0);
        // an offset view of a larger array is written through, its neighbours untouched
        INDArray big = Nd4j.valueArrayOf(new long[]{5, 12, 12}, 7f);
        INDArray view = big.get(NDArrayIndex.interval(1, 4), NDArrayIndex.all(), NDArrayIndex.all());
        SpatialOps.similarity(fs, ft, SimilarityMeasure.COSINE, view);
        assertEquals(0.0, expected.sub(view).amaxNumber().doubleValue(), 0.0);
        assertEquals(7.0, big.slice(0).minNumber().doubleValue(), 0.0);
        assertEquals(7.0, big.slice(4).maxNumber().doubleValue(), 0.0);
        INDArray attention = Nd4j.create(DataType.FLOAT, 3, 12, 12);
        SpatialOps.similarity(fs, ft, SimilarityMeasure.ATTENTION, attention);
        assertTrue(SpatialOps.similarity(fs, ft, SimilarityMeasure.ATTENTION).equalsWithEps(attention, 1e-6));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SpatialOps.similarity(fs, ft, SimilarityMeasure.COSINE, Nd4j.create(DataType.FLOAT, 3, 144)));
        assertTrue(e.getMessage().contains("[3, 12, 12]") && e.getMessage().contains("[3, 144]")
                && e.getMessage().contains("Nd4j.create"), e.getMessage());
    }

    @Test
    void cosineChannelMismatchNamesBothShapesAndTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SpatialOps.similarity(randn(2, 4, 3, 3), randn(2, 8, 3, 3), SimilarityMeasure.COSINE));
        assertTrue(e.getMessage().contains("[2, 4, 3, 3]") && e.getMessage().contains("[2, 8, 3, 3]")
                && e.getMessage().contains("similarity=attention"), e.getMessage());
    }

    @Test
    void weightsHaveMeanOneAndFollowTheSimilarity() {
        INDArray s = Nd4j.create(new double[]{0.9, 0.1, -0.5, 0.3, 0.2, 0.2, 0.2, 0.2}, 2, 2, 2);
        INDArray co = SpatialOps.locationWeights(s, 0.5, +1);
        INDArray di = SpatialOps.locationWeights(s, 0.5, -1);
        for (int n = 0; n < 2; n++) {
            assertEquals(1.0, co.get(NDArrayIndex.point(n)).meanNumber().doubleValue(), 1e-12);
            assertEquals(1.0, di.get(NDArrayIndex.point(n)).meanNumber().doubleValue(), 1e-12);
        }
        // sample 0: w_co,i = 4 * exp(S_i/tau) / sum_j exp(S_j/tau)
        double z = Math.exp(1.8) + Math.exp(0.2) + Math.exp(-1.0) + Math.exp(0.6);
        assertEquals(4 * Math.exp(1.8) / z, co.getDouble(0, 0, 0), 1e-12);
        assertTrue(di.getDouble(0, 1, 0) > di.getDouble(0, 0, 0), "divergence favours the least similar location");
        // equal similarities: uniform weights
        assertEquals(1.0, co.getDouble(1, 1, 1), 1e-12);

        SameDiff sd = SameDiff.create();
        SDVariable w = SpatialOps.locationWeights(sd, placeholder(sd, "s", s), 2, 2, 0.5, +1);
        INDArray graph = sd.output(Map.of("s", s), w.name()).get(w.name());
        assertEquals(co, graph);
    }

    @Test
    void singleLocationGivesWeightOneAndPlainPooling() {
        INDArray f = randn(3, 4, 1, 1);
        INDArray s = SpatialOps.similarity(f, randn(3, 4, 1, 1), SimilarityMeasure.COSINE);
        INDArray w = SpatialOps.locationWeights(s, 0.5, +1);
        assertEquals(Nd4j.ones(DataType.DOUBLE, 3, 1, 1), w);
        assertEquals(f.reshape(3, 4), SpatialOps.modulatedPool(f, w));
    }

    @Test
    void modulatedPoolWithUnitWeightsIsGlobalAveragePooling() {
        INDArray f = randn(2, 3, 4, 5);
        INDArray pooled = SpatialOps.modulatedPool(f, Nd4j.ones(DataType.DOUBLE, 2, 4, 5));
        INDArray gap = f.mean(2, 3);
        assertTrue(gap.equalsWithEps(pooled, 1e-12));

        INDArray w = Nd4j.rand(DataType.DOUBLE, 2, 4, 5);
        INDArray eager = SpatialOps.modulatedPool(f, w);
        double ref = 0;
        for (int h = 0; h < 4; h++) {
            for (int x = 0; x < 5; x++) {
                ref += w.getDouble(1, h, x) * f.getDouble(1, 2, h, x);
            }
        }
        assertEquals(ref / 20, eager.getDouble(1, 2), 1e-12);
        SameDiff sd = SameDiff.create();
        SDVariable g = SpatialOps.modulatedPool(sd, placeholder(sd, "f", f), new long[]{3, 4, 5},
                placeholder(sd, "w", w));
        assertTrue(eager.equalsWithEps(sd.output(Map.of("f", f, "w", w), g.name()).get(g.name()), 1e-12));
    }

    @Test
    void floatCosineKernelMatchesReduce3() {
        assertTrue(SpatialOps.VECTOR_API, "the tests run with --add-modules jdk.incubator.vector; without it the "
                + "one-pass cosine kernel is silently off");
        for (long[] shape : new long[][]{{3, 5, 7, 7}, {2, 64, 16, 16}, {1, 3, 1, 1}, {4, 16, 5, 9}, {2, 8, 28, 28}, {1, 4, 12, 12}}) {
            INDArray a = Nd4j.randn(DataType.FLOAT, shape);
            INDArray b = Nd4j.randn(DataType.FLOAT, shape);
            a.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.point(0)).assign(0);
            b.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.point(0)).assign(0);
            INDArray reference = Nd4j.exec(new org.nd4j.linalg.api.ops.impl.reduce3.CosineSimilarity(a, b, 1));
            org.nd4j.linalg.indexing.BooleanIndexing.replaceWhere(reference, 0.0,
                    org.nd4j.linalg.indexing.conditions.Conditions.isNan());
            INDArray kernel = SpatialOps.similarity(a, b, SimilarityMeasure.COSINE);
            assertArrayEquals(reference.shape(), kernel.shape());
            assertTrue(reference.equalsWithEps(kernel, 1e-5), java.util.Arrays.toString(shape));
            assertEquals(0.0, kernel.getDouble(0, 0, 0), 0.0, "two zero vectors");
        }
        // a view with an offset, and a permuted (non-contiguous) array
        INDArray big = Nd4j.randn(DataType.FLOAT, 6, 8, 4, 4);
        INDArray view = big.get(NDArrayIndex.interval(2, 5), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.all());
        INDArray other = Nd4j.randn(DataType.FLOAT, 3, 4, 4, 8).permute(0, 3, 1, 2);
        INDArray expected = Nd4j.exec(new org.nd4j.linalg.api.ops.impl.reduce3.CosineSimilarity(view.dup(),
                other.dup(), 1));
        assertTrue(expected.equalsWithEps(SpatialOps.similarity(view, other, SimilarityMeasure.COSINE), 1e-5));
    }

    @Test
    void alignSpatialPoolsWhenSizesDivideAndResizesOtherwise() {
        INDArray f = randn(2, 3, 8, 8);
        SameDiff sd = SameDiff.create();
        SDVariable pooled = SpatialOps.alignSpatial(sd, placeholder(sd, "f", f), new long[]{3, 8, 8}, 4, 4);
        SDVariable resized = SpatialOps.alignSpatial(sd, sd.getVariable("f"), new long[]{3, 8, 8}, 3, 3);
        Map<String, INDArray> out = sd.output(Map.of("f", f), pooled.name(), resized.name());
        INDArray p = out.get(pooled.name());
        assertArrayEquals(new long[]{2, 3, 4, 4}, p.shape());
        double mean = (f.getDouble(1, 2, 2, 4) + f.getDouble(1, 2, 2, 5) + f.getDouble(1, 2, 3, 4)
                + f.getDouble(1, 2, 3, 5)) / 4;
        assertEquals(mean, p.getDouble(1, 2, 1, 2), 1e-12);
        assertArrayEquals(new long[]{2, 3, 3, 3}, out.get(resized.name()).shape());
        assertArrayEquals(new long[]{4, 4}, SpatialOps.commonSpatialSize(new long[]{64, 8, 8}, new long[]{64, 4, 4}));
        // the eager form (used for ADM's stop-gradient similarity) computes the same maps
        assertTrue(p.equalsWithEps(SpatialOps.alignSpatial(f, 4, 4), 1e-12));
        assertTrue(out.get(resized.name()).equalsWithEps(SpatialOps.alignSpatial(f, 3, 3), 1e-12));
        assertTrue(SpatialOps.alignSpatial(f, 8, 8) == f);
    }

    // ------------------------------------------------------------------ gradient checks (double)

    @Test
    void cosineGradients() {
        INDArray fs = randn(2, 3, 2, 2);
        INDArray ft = randn(2, 3, 2, 2);
        SameDiff sd = SameDiff.create();
        SDVariable s = SpatialOps.similarity(sd, placeholder(sd, "fs", fs), placeholder(sd, "ft", ft),
                new long[]{3, 2, 2}, new long[]{3, 2, 2}, SimilarityMeasure.COSINE);
        FiniteDifferences.checkSameDiff(sd, s, Map.of("fs", fs, "ft", ft));
    }

    @Test
    void cosineGradientsAtAZeroVectorAreFiniteAndExact() {
        // At F_s,i = 0 the clamp is active: S_i = <F_s,i, F_t,i> / 1e-8, so dS_i/dF_s,i = F_t,i / 1e-8. The clamp
        // switches off once |F_s,i||F_t,i| > 1e-8, so the finite-difference step must stay well below that.
        INDArray fs = randn(1, 3, 1, 2);
        INDArray ft = randn(1, 3, 1, 2);
        fs.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.point(1)).assign(0);
        SameDiff sd = SameDiff.create();
        SDVariable s = SpatialOps.similarity(sd, placeholder(sd, "fs", fs), placeholder(sd, "ft", ft),
                new long[]{3, 1, 2}, new long[]{3, 1, 2}, SimilarityMeasure.COSINE);
        FiniteDifferences.checkSameDiff(sd, s, Map.of("fs", fs, "ft", ft), 1e-9);
    }

    @Test
    void attentionGradients() {
        INDArray fs = randn(2, 3, 2, 3);
        INDArray ft = randn(2, 5, 2, 3);
        SameDiff sd = SameDiff.create();
        SDVariable s = SpatialOps.similarity(sd, placeholder(sd, "fs", fs), placeholder(sd, "ft", ft),
                new long[]{3, 2, 3}, new long[]{5, 2, 3}, SimilarityMeasure.ATTENTION);
        FiniteDifferences.checkSameDiff(sd, s, Map.of("fs", fs, "ft", ft));
    }

    @Test
    void weightGradients() {
        INDArray s = randn(2, 2, 3);
        for (int sign : new int[]{1, -1}) {
            SameDiff sd = SameDiff.create();
            SDVariable w = SpatialOps.locationWeights(sd, placeholder(sd, "s", s), 2, 3, 0.5, sign);
            FiniteDifferences.checkSameDiff(sd, w, Map.of("s", s));
        }
    }

    @Test
    void singleLocationWeightGradients() {
        INDArray s = randn(3, 1, 1);
        SameDiff sd = SameDiff.create();
        SDVariable w = SpatialOps.locationWeights(sd, placeholder(sd, "s", s), 1, 1, 0.5, 1);
        FiniteDifferences.checkSameDiff(sd, w, Map.of("s", s));
    }

    @Test
    void modulatedPoolGradients() {
        INDArray f = randn(2, 3, 2, 2);
        INDArray w = Nd4j.rand(DataType.DOUBLE, 2, 2, 2);
        SameDiff sd = SameDiff.create();
        SDVariable g = SpatialOps.modulatedPool(sd, placeholder(sd, "f", f), new long[]{3, 2, 2},
                placeholder(sd, "w", w));
        FiniteDifferences.checkSameDiff(sd, g, Map.of("f", f, "w", w));
    }

    @Test
    void alignSpatialGradients() {
        INDArray f = randn(1, 2, 4, 4);
        SameDiff sd = SameDiff.create();
        SDVariable pooled = SpatialOps.alignSpatial(sd, placeholder(sd, "f", f), new long[]{2, 4, 4}, 2, 2);
        FiniteDifferences.checkSameDiff(sd, pooled, Map.of("f", f));
        SameDiff sd2 = SameDiff.create();
        SDVariable resized = SpatialOps.alignSpatial(sd2, placeholder(sd2, "f", f), new long[]{2, 4, 4}, 3, 3);
        FiniteDifferences.checkSameDiff(sd2, resized, Map.of("f", f));
    }
}
