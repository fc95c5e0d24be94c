package dev.adm.core.ops;

import org.nd4j.autodiff.samediff.SameDiff;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;

/**
 * Builds a SameDiff graph's gradient function quietly: SameDiff 1.0.0-M2.1 prints one "Added differentiated op"
 * line per op to {@code System.out} while it does, which this silences.
 */
public final class GradientFunction {
    private GradientFunction() {
    }

    /** {@code sd.createGradFunction(inputs)} with {@code System.out} silenced meanwhile (one graph at a time). */
    public static void create(SameDiff sd, List<String> inputs) {
        synchronized (GradientFunction.class) {
            PrintStream out = System.out;
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                sd.createGradFunction(inputs.toArray(new String[0]));
            } finally {
                System.setOut(out);
            }
        }
    }
}
