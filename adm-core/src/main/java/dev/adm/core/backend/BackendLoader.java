package dev.adm.core.backend;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.factory.Nd4jBackend;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads ND4J's backend and its natives, the first place either can fail, turning a failure into one
 * {@link BackendUnavailableException} that names the missing library and the other backend.
 */
final class BackendLoader {
    private static final Pattern MISSING_LIBRARY =
            Pattern.compile("([\\w.+-]+\\.so[.\\d]*): cannot open shared object");
    private static final String CUDA_NEEDS = ". The CUDA backend needs an NVIDIA driver (libcuda.so.1) and CUDA 11's "
            + "runtime, cuBLAS and cuSOLVER (libcudart.so.11.0, libcublas.so.11, libcusolver.so.11; or NVIDIA's "
            + "redistributables: build with -Pcuda,cuda-redist); to run on the CPU use adm-cpu instead "
            + "(ADM_BACKEND=cpu ./adm ...)";
    private static final String NO_BACKEND = "no ND4J backend on the class path: add the dependency dev.adm:adm-cpu "
            + "(type pom; linux-x86_64 CPUs, with oneDNN), org.nd4j:nd4j-native-platform (other CPUs) or "
            + "dev.adm:adm-cuda (type pom; NVIDIA GPUs with CUDA 11.6)";

    private BackendLoader() {
    }

    /**
     * What ND4J and JavaCPP print meanwhile (a stack trace for each native library they cannot load) is held back:
     * printed as it was when the backend starts, replaced by the exception's one line when it does not.
     */
    static void load() {
        PrintStream err = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            Nd4j.getBackend();
        } catch (RuntimeException | LinkageError e) {
            System.setErr(err);
            throw new BackendUnavailableException(describe(e, printed.toString(StandardCharsets.UTF_8)), e);
        } finally {
            System.setErr(err);
        }
        err.print(printed.toString(StandardCharsets.UTF_8));
    }

    /** One line for a backend that cannot start: what is missing, and the other backend. */
    static String describe(Throwable failure, String printed) {
        for (Throwable c = failure; c != null; c = c.getCause()) {
            if (c instanceof Nd4jBackend.NoAvailableBackendException) {
                // ND4J reports "no backend" also when one is present but its natives do not load: ask each one why
                for (Nd4jBackend b : ServiceLoader.load(Nd4jBackend.class)) {
                    try {
                        b.canRun();
                    } catch (Throwable why) {
                        return "the ND4J backend " + b.getClass().getSimpleName() + " cannot load its native "
                                + "libraries (" + missingLibrary(why, printed) + ")"
                                + (b.getClass().getName().contains("cublas") ? CUDA_NEEDS : "");
                    }
                }
                return NO_BACKEND;
            }
        }
        return "the ND4J backend cannot start: " + failure;
    }

    /** The library a native load failure names ("libcuda.so.1 not found"), else the failure's innermost message. */
    static String missingLibrary(Throwable failure, String printed) {
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        for (String text : List.of(message, printed)) { // JavaCPP's first, specific failure is only printed
            Matcher m = MISSING_LIBRARY.matcher(text);
            if (m.find()) {
                return m.group(1) + " not found";
            }
        }
        return message;
    }
}
