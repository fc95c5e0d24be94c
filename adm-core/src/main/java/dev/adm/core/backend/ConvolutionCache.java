package dev.adm.core.backend;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;

/**
 * DL4J's cache of convolution outputs ({@link CacheMode#DEVICE}) for a graph the engine trains. DL4J 1.0.0-M2.1's
 * convolution layer recomputes its whole forward convolution inside its backward pass, only to apply its
 * activation's derivative; with the cache it reuses the output of the step's forward pass, kept in the step's
 * activation workspace (a copy per layer instead of a convolution and its layout reorders). The results are the
 * same bit for bit.
 *
 * <p>DL4J never empties the cache: a later backward pass whose forward ran without that workspace would read a
 * stale array. {@link #clear} empties it, and the engine calls it after every step.
 */
public final class ConvolutionCache {
    private static final Logger log = LoggerFactory.getLogger(ConvolutionCache.class);
    private static final Field PRE_OUTPUT = preOutputField();

    private ConvolutionCache() {
    }

    private static Field preOutputField() {
        try {
            Field f = AbstractLayer.class.getDeclaredField("preOutput"); // the cache of every DL4J layer
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("cannot reach DL4J's convolution cache ({}); convolutions are recomputed in backward passes",
                    e.toString());
            return null;
        }
    }

    /** Turns the cache on for every layer of {@code graph} (nothing when its field cannot be reached). */
    public static void enable(ComputationGraph graph) {
        if (PRE_OUTPUT != null) {
            graph.getConfiguration().setCacheMode(CacheMode.DEVICE); // the forward pass opens the cache only then
            graph.setCacheMode(CacheMode.DEVICE);
        }
    }

    /** Empties the cache of every layer of {@code graph}. */
    public static void clear(ComputationGraph graph) {
        if (PRE_OUTPUT == null) {
            return;
        }
        for (Layer layer : graph.getLayers()) {
            if (layer instanceof AbstractLayer) {
                try {
                    PRE_OUTPUT.set(layer, null);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("cannot empty DL4J's convolution cache", e);
                }
            }
        }
    }
}
