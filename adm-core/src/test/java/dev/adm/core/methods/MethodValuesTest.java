package dev.adm.core.methods;

import dev.adm.core.testing.AdmTestBase;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static dev.adm.core.testing.FiniteDifferences.placeholder;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The method-specific loss formulas against plain-Java computations of their definitions (docs/methods.md). */
class MethodValuesTest extends AdmTestBase {
    private static final INDArray ZS = Nd4j.create(new double[][]{{1.0, 2.0, 0.5}, {-1.0, 0.0, 3.0}});
    private static final INDArray ZT = Nd4j.create(new double[][]{{0.2, 1.5, 1.0}, {0.5, -0.5, 2.0}});
    private static final INDArray Y = Nd4j.create(new double[][]{{0, 1, 0}, {0, 0, 1}});
    private static final int[] LABEL = {1, 2};

    private static double[] softmax(double[] z, double t) {
        double[] p = new double[z.length];
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v / t);
        }
        double sum = 0;
        for (int k = 0; k < z.length; k++) {
            p[k] = Math.exp(z[k] / t - max);
            sum += p[k];
        }
        for (int k = 0; k < z.length; k++) {
            p[k] /= sum;
        }
        return p;
    }

    private static double[] row(INDArray a, int b) {
        return a.getRow(b).toDoubleVector();
    }

    private static double eval(SameDiff sd, SDVariable v) {
        return sd.output(Map.of("zs", ZS, "zt", ZT, "y", Y), v.name()).get(v.name()).getDouble(0);
    }

    @Test
    void dkdTermsMatchTheirDefinitions() {
        double t = 4;
        double tckd = 0;
        double nckd = 0;
        for (int b = 0; b < 2; b++) {
            double[] ps = softmax(row(ZS, b), t);
            double[] pt = softmax(row(ZT, b), t);
            double s1 = ps[LABEL[b]];
            double t1 = pt[LABEL[b]];
            tckd += t1 * Math.log(t1 / s1) + (1 - t1) * Math.log((1 - t1) / (1 - s1));
            // non-target distributions: softmax over the classes other than y
            double zsum = 0;
            double tsum = 0;
            for (int k = 0; k < 3; k++) {
                if (k != LABEL[b]) {
                    zsum += Math.exp(ZS.getDouble(b, k) / t);
                    tsum += Math.exp(ZT.getDouble(b, k) / t);
                }
            }
            for (int k = 0; k < 3; k++) {
                if (k != LABEL[b]) {
                    double q = Math.exp(ZT.getDouble(b, k) / t) / tsum;
                    double p = Math.exp(ZS.getDouble(b, k) / t) / zsum;
                    nckd += q * Math.log(q / p);
                }
            }
        }
        SameDiff sd = SameDiff.create();
        SDVariable zs = placeholder(sd, "zs", ZS);
        SDVariable zt = placeholder(sd, "zt", ZT);
        SDVariable y = placeholder(sd, "y", Y);
        assertEquals(t * t * tckd / 2, eval(sd, DkdMethod.tckd(sd, zs, zt, y, t)), 1e-9);
        assertEquals(t * t * nckd / 2, eval(sd, DkdMethod.nckd(sd, zs, zt, y, t)), 1e-9);
    }

    @Test
    void dkdWarmupFollowsMdistillersOneBasedEpochs() {
        DkdMethod dkd = (DkdMethod) MethodRegistry.create("dkd", Map.of("warmup", "4"));
        assertEquals(0.25, dkd.warmupFactor(0));
        assertEquals(1.0, dkd.warmupFactor(3));
        assertEquals(1.0, dkd.warmupFactor(10));
        assertEquals(0.5, dkd.stepScalars(1, 0).get("warmup_factor"));
    }

    /** SwitOKD's switch: expert mode (0) when G > delta and e_t < e_s, else learning mode (1). */
    private static double switokdMode(INDArray zs, INDArray zt, INDArray y, double t) {
        int n = (int) zs.size(0);
        double gap = 0;
        double et = 0;
        double es = 0;
        for (int b = 0; b < n; b++) {
            double[] ps = softmax(row(zs, b), t);
            double[] pt = softmax(row(zt, b), t);
            for (int k = 0; k < ps.length; k++) {
                gap += Math.abs(ps[k] - pt[k]) / n;
                et += Math.abs(pt[k] - y.getDouble(b, k)) / n;
                es += Math.abs(ps[k] - y.getDouble(b, k)) / n;
            }
        }
        double delta = es - Math.exp(-et / (et + es)) * et;
        return gap > delta && et < es ? 0 : 1;
    }

    @Test
    void switokdSwitchesModeAsDefined() {
        INDArray right = Nd4j.create(new double[][]{{3, 1, -2}, {2, 0.5, -1}}); // class 0 both times
        INDArray wrongElsewhere = Nd4j.create(new double[][]{{-1, -3, 2}, {0, -2, 1.5}}); // class 2
        INDArray y0 = Nd4j.create(new double[][]{{1, 0, 0}, {1, 0, 0}});
        // {pair, temperature}: pair 0 = (student wrong elsewhere, teacher right), 1 = swapped
        double[][] cases = {{0, 1}, {1, 1}, {0, 0.5}, {0, 3}};
        int expert = 0;
        for (double[] c : cases) {
            INDArray zs = c[0] == 0 ? wrongElsewhere : right;
            INDArray zt = c[0] == 0 ? right : wrongElsewhere;
            for (INDArray y : new INDArray[]{y0, Y}) {
                SameDiff sd = SameDiff.create();
                SDVariable mode = SwitOkdMethod.learningMode(sd, placeholder(sd, "zs", zs), placeholder(sd, "zt", zt),
                        placeholder(sd, "y", y), c[1]);
                double got = sd.output(Map.of("zs", zs, "zt", zt, "y", y), mode.name()).get(mode.name()).getDouble(0);
                double want = switokdMode(zs, zt, y, c[1]);
                assertEquals(want, got, "pair " + c[0] + " T " + c[1] + " y " + y);
                expert += want == 0 ? 1 : 0;
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(expert > 0 && expert < 2 * cases.length, "both modes occur: "
                + expert + " expert cases");
    }

    @Test
    void attentionIsTheNormalisedChannelMeanOfSquares() {
        INDArray f = Nd4j.create(new double[]{1, 2, 3, 4, 0, 1, 1, 0}, new long[]{1, 2, 2, 2});
        SameDiff sd = SameDiff.create();
        SDVariable a = AtMethod.attention(sd, placeholder(sd, "f", f), new long[]{2, 2, 2});
        INDArray out = sd.output(Map.of("f", f), a.name()).get(a.name());
        double[] raw = {(1 + 0) / 2.0, (4 + 1) / 2.0, (9 + 1) / 2.0, (16 + 0) / 2.0};
        double norm = Math.sqrt(raw[0] * raw[0] + raw[1] * raw[1] + raw[2] * raw[2] + raw[3] * raw[3]);
        for (int i = 0; i < 4; i++) {
            assertEquals(raw[i] / norm, out.getDouble(0, i), 1e-12);
        }
    }
}
