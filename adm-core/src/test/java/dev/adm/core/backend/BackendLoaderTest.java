package dev.adm.core.backend;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4jBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendLoaderTest {
    @Test
    void noBackendNamesTheDependencyToAdd() {
        // ND4J's own failure, as Nd4j's class initialiser wraps it; the CPU backend of the tests can run
        String line = BackendLoader.describe(new ExceptionInInitializerError(
                new RuntimeException(new Nd4jBackend.NoAvailableBackendException("no backend"))), "");
        assertTrue(line.startsWith("no ND4J backend on the class path: add the dependency dev.adm:adm-cpu"), line);
        assertTrue(line.contains("org.nd4j:nd4j-native-platform") && line.contains("dev.adm:adm-cuda"), line);
    }

    @Test
    void aMissingNativeLibraryIsNamedFromWhatJavaCppPrinted() {
        // the CUDA backend on a machine without a driver: the exception says little, JavaCPP's printed trace names it
        Throwable thrown = new NoClassDefFoundError("Could not initialize class org.bytedeco.cuda.global.cudart");
        String printed = "java.lang.UnsatisfiedLinkError: /root/.javacpp/cache/cuda-11.6-8.3-1.5.7-linux-x86_64.jar/"
                + "org/bytedeco/cuda/linux-x86_64/libjnicudart.so: libcuda.so.1: cannot open shared object file: No "
                + "such file or directory\n\tat java.base/jdk.internal.loader.NativeLibraries.load(Native Method)\n";
        assertEquals("libcuda.so.1 not found", BackendLoader.missingLibrary(thrown, printed));
        assertEquals("libcublas.so.11 not found", BackendLoader.missingLibrary(new UnsatisfiedLinkError(
                "/tmp/libnd4jcuda.so: libcublas.so.11: cannot open shared object file"), ""));
        assertEquals("something else", BackendLoader.missingLibrary(new RuntimeException(
                new UnsatisfiedLinkError("something else")), "nothing matching"));
    }
}
