package org.nd4j.nativeblas;

import java.lang.reflect.Method;

/**
 * Compatibility bridge for DL4J 1.0.0-M2.1's oneDNN check; not for direct use.
 *
 * <p>{@code org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper#mklDnnEnabled()} reflects on
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment#getInstance().isUseMKLDNN()}. In M2.1 the native
 * bindings moved to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu} and the method became
 * {@code isUseONEDNN()}, so the lookup fails, the failure is cached, and every conv, pooling and
 * batch-norm layer silently falls back to the slow built-in path. This class restores the name DL4J
 * looks for and answers with the real native flag. It is loaded only by that reflective lookup and is
 * activated through {@link dev.adm.core.backend.Backend#initialize()}.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    /** The shape DL4J's helper check expects: {@code getInstance()} and {@code isUseMKLDNN()}. */
    public static final class Environment {
        private static final String MOVED_CLASS = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        /** True when the native CPU backend was built with oneDNN and has it switched on. */
        public boolean isUseMKLDNN() {
            try {
                Class<?> moved = Class.forName(MOVED_CLASS, true, Nd4jCpu.class.getClassLoader());
                Object nativeEnv = moved.getMethod("getInstance").invoke(null);
                Method isUseOneDnn = moved.getMethod("isUseONEDNN");
                return (boolean) isUseOneDnn.invoke(nativeEnv);
            } catch (ReflectiveOperationException | LinkageError e) {
                return false; // not the native CPU backend (e.g. CUDA): no oneDNN
            }
        }
    }
}
