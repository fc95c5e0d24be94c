package dev.adm.core.backend;

import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where the ND4J/DL4J backend is set up. The engine and the model zoo call {@link #initialize()}
 * themselves, before they build a network; calling it earlier (as the CLI does) only logs the setup sooner.
 *
 * <p>Why: DL4J 1.0.0-M2.1 runs conv, pooling and batch-norm layers without oneDNN unless three things
 * hold, and it says nothing when they do not:
 * <ol>
 *   <li>the system property {@value #HELPERS_DISABLE_PROPERTY} is {@code false} (its default is
 *       {@code true}), read each time a layer is instantiated;</li>
 *   <li>{@code Nd4j.getEnvironment().allowHelpers(true)};</li>
 *   <li>DL4J's oneDNN check can reflect on {@code org.nd4j.nativeblas.Nd4jCpu$Environment}, a class
 *       that moved in M2.1; adm-core ships a bridge of that name ({@link org.nd4j.nativeblas.Nd4jCpu}).</li>
 * </ol>
 * Measured on a 2-core machine: a ResNet trained at 63 img/s without them and 722 img/s with them.
 *
 * <p>An explicit {@code -Dorg.eclipse.deeplearning4j.helpers.disable=true} from the user is respected
 * (with a warning), so the slow path stays reachable for comparisons.
 */
public final class Backend {
    /** DL4J's switch for platform helpers (cuDNN / oneDNN). */
    public static final String HELPERS_DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";

    private static final Logger log = LoggerFactory.getLogger(Backend.class);
    private static volatile BackendInfo info;

    private Backend() {
    }

    /** Sets the backend up once per JVM and logs what is active; later calls return the same answer. */
    public static BackendInfo initialize() {
        BackendInfo current = info;
        if (current != null) {
            return current;
        }
        synchronized (Backend.class) {
            if (info == null) {
                info = setUp();
                log.info("{}", info.describe());
                if (info.isCpu() && !info.oneDnnActive()) {
                    log.warn("oneDNN helpers are OFF: convolutional training will be roughly 10x slower. {}",
                            info.helpersDisabledByUser()
                                    ? "Remove -D" + HELPERS_DISABLE_PROPERTY + "=true to enable them."
                                    : "Use the nd4j-native '-onednn' natives (the adm-cpu dependency).");
                }
                if (info.isCpu() && !dev.adm.core.ops.SpatialOps.VECTOR_API) {
                    log.warn("the JVM runs without the jdk.incubator.vector module: ADM's one-pass similarity kernel "
                            + "and the one-pass batch-norm statistics are off (slower, same results); start the JVM "
                            + "with --add-modules jdk.incubator.vector");
                }
            }
            return info;
        }
    }

    private static BackendInfo setUp() {
        BackendLoader.load();
        String requested = System.getProperty(HELPERS_DISABLE_PROPERTY);
        boolean disabledByUser = requested != null && Boolean.parseBoolean(requested);
        if (!disabledByUser) {
            System.setProperty(HELPERS_DISABLE_PROPERTY, "false");
            Nd4j.getEnvironment().allowHelpers(true);
        }
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend", "unknown");
        boolean oneDnn = !disabledByUser && BaseMKLDNNHelper.mklDnnEnabled();
        return new BackendInfo(backend, Nd4j.getEnvironment().helpersAllowed(), oneDnn, disabledByUser,
                Nd4j.getEnvironment().maxThreads());
    }

    /**
     * Prepares a network's layers for training with the engine: the one-pass batch-norm helper
     * ({@link FastBatchNormHelper}) in float batch-norm layers, and DL4J's built-in convolution instead of oneDNN's
     * in dilated convolution layers. M2.1's oneDNN convolution rejects every dilation above 1 ("could not create
     * a descriptor for a dilated convolution"); DL4J then falls back on its own, but logs a stack trace per layer.
     *
     * @param trainingForwards whether the network forwards in training mode (the batch-norm helper applies there)
     */
    public static void prepareLayers(org.deeplearning4j.nn.graph.ComputationGraph graph, boolean trainingForwards) {
        if (trainingForwards) {
            FastBatchNormHelper.install(graph);
        }
        for (org.deeplearning4j.nn.api.Layer layer : graph.getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer conv
                    && layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer c
                    && (c.getDilation()[0] > 1 || c.getDilation()[1] > 1)
                    && conv.getHelper() instanceof org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper) {
                DilatedHelper.clear(conv);
            }
        }
    }

    /** Reflection on the protected helper field of DL4J's convolution layer (no setter in M2.1). */
    private static final class DilatedHelper {
        private static final java.lang.reflect.Field FIELD = field();

        private static java.lang.reflect.Field field() {
            try {
                java.lang.reflect.Field f = org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class
                        .getDeclaredField("helper");
                f.setAccessible(true);
                return f;
            } catch (ReflectiveOperationException | RuntimeException e) {
                log.warn("cannot reach DL4J's convolution helper field ({}); dilated layers keep the oneDNN helper "
                        + "and DL4J will log its fallback", e.toString());
                return null;
            }
        }

        static void clear(org.deeplearning4j.nn.layers.convolution.ConvolutionLayer layer) {
            if (FIELD != null) {
                try {
                    FIELD.set(layer, null);
                } catch (IllegalAccessException e) {
                    log.warn("cannot clear the oneDNN helper of a dilated convolution: {}", e.toString());
                }
            }
        }
    }

    /**
     * The processor's model name (Linux's {@code /proc/cpuinfo}), else the architecture, and the core count: runs on
     * different processors round differently, so a run's record names the one it trained on.
     */
    public static String processor() {
        String name = System.getProperty("os.arch");
        try (var lines = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/cpuinfo"))) {
            name = lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse(name);
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: the architecture it is
        }
        return name + ", " + Runtime.getRuntime().availableProcessors() + " cores";
    }
}
