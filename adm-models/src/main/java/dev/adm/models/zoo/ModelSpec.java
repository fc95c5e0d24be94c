package dev.adm.models.zoo;

import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.Map;

/**
 * A zoo model: a named builder of an initialised {@link ComputationGraph}.
 *
 * <p>Tap scheme shared by all models: {@code stem}, {@code stage1..N}, {@code feat} (last map before
 * pooling), {@code pool} ({@code [B,C]}), {@code logits}. {@link #tapAliases()} maps tap names that are
 * not vertex names (such as {@code feat}) to their vertex.
 */
public interface ModelSpec {
    String name();

    String description();

    ComputationGraph build(ModelConfig config);

    /** Tap name -> vertex name, for taps whose vertex has another name. */
    Map<String, String> tapAliases();
}
