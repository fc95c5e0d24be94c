package dev.adm.core.testing;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Central finite differences in double precision against analytic gradients. */
public final class FiniteDifferences {
    public static final double STEP = 1e-6;

    private FiniteDifferences() {
    }

    /** Asserts |analytic - numeric| <= abs + rel * max(|analytic|, |numeric|). */
    public static void assertClose(double analytic, double numeric, double abs, double rel, String what) {
        double tol = abs + rel * Math.max(Math.abs(analytic), Math.abs(numeric));
        assertTrue(Math.abs(analytic - numeric) <= tol, () -> String.format(
                "%s: analytic %.10g vs finite difference %.10g (tolerance %.3g)", what, analytic, numeric, tol));
    }

    /** d value / d x[i] by central differences, restoring x[i]. */
    public static double derivative(INDArray x, long i, DoubleSupplier value) {
        return derivative(x, i, value, STEP);
    }

    public static double derivative(INDArray x, long i, DoubleSupplier value, double step) {
        double orig = x.getDouble(i);
        x.putScalar(i, orig + step);
        double plus = value.getAsDouble();
        x.putScalar(i, orig - step);
        double minus = value.getAsDouble();
        x.putScalar(i, orig);
        return (plus - minus) / (2 * step);
    }

    /**
     * Checks every input gradient of {@code output} (any shape) inside {@code sd}: the scalar checked is
     * {@code sum(output * R)} for a fixed random R, so every output element's gradient path is exercised.
     * Inputs are placeholders (double); all their elements are checked.
     */
    public static void checkSameDiff(SameDiff sd, SDVariable output, Map<String, INDArray> inputs) {
        checkSameDiff(sd, output, inputs, STEP);
    }

    /** As above with a given step (a function with a kink near the point needs a step inside its branch). */
    public static void checkSameDiff(SameDiff sd, SDVariable output, Map<String, INDArray> inputs, double step) {
        INDArray out = sd.output(inputs, output.name()).get(output.name());
        assertEquals(DataType.DOUBLE, out.dataType(), "gradient checks run in double");
        INDArray r = Nd4j.rand(DataType.DOUBLE, out.shape()).subi(0.5);
        SDVariable loss = output.mul(sd.constant(r)).sum().rename("fd_loss");
        sd.setLossVariables(loss.name());
        sd.createGradFunction(inputs.keySet().toArray(new String[0]));
        Map<String, INDArray> analytic = sd.calculateGradients(inputs, new ArrayList<>(inputs.keySet()));
        Map<String, INDArray> work = new HashMap<>();
        inputs.forEach((k, v) -> work.put(k, v.dup()));
        for (String name : inputs.keySet()) {
            INDArray x = work.get(name);
            INDArray g = analytic.get(name);
            for (long i = 0; i < x.length(); i++) {
                double numeric = derivative(x, i, () -> sd.output(work, "fd_loss").get("fd_loss").getDouble(0), step);
                double a = g == null ? 0.0 : g.getDouble(i);
                assertClose(a, numeric, 1e-7, 1e-5, "d/d" + name + "[" + i + "]");
            }
        }
    }

    /** Placeholder helper: a double placeholder of the array's shape (batch dimension free). */
    public static SDVariable placeholder(SameDiff sd, String name, INDArray value) {
        long[] shape = value.shape().clone();
        shape[0] = -1;
        return sd.placeHolder(name, DataType.DOUBLE, shape);
    }

    public static List<Long> indices(long n) {
        List<Long> l = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            l.add(i);
        }
        return l;
    }
}
