package dev.adm.core.methods;

import com.google.common.collect.ImmutableMap;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A method's parameter values: its defaults overridden by the user's, unknown keys rejected. */
public final class MethodParams {
    private final String method;
    private final ImmutableMap<String, String> values;

    MethodParams(String method, List<ParamSpec> specs, Map<String, String> overrides) {
        this.method = method;
        Map<String, String> merged = new LinkedHashMap<>();
        specs.forEach(s -> merged.put(s.key(), s.defaultValue()));
        overrides.forEach((k, v) -> {
            if (!merged.containsKey(k)) {
                throw new IllegalArgumentException("method '" + method + "' has no parameter '" + k + "'; "
                        + (specs.isEmpty() ? "it takes none" : "its parameters are "
                        + specs.stream().map(ParamSpec::key).collect(Collectors.joining(", "))));
            }
            merged.put(k, v);
        });
        this.values = ImmutableMap.copyOf(merged);
    }

    private MethodParams(String method, Map<String, String> values) {
        this.method = method;
        this.values = ImmutableMap.copyOf(values);
    }

    /**
     * The parameters of a wrapped method: {@code keys} maps each of its parameter names to the name it has
     * here (a composite method renames parameters that collide with its own).
     */
    MethodParams forWrapped(String wrapped, Map<String, String> keys) {
        Map<String, String> v = new LinkedHashMap<>();
        keys.forEach((inner, outer) -> v.put(inner, text(outer)));
        return new MethodParams(wrapped, v);
    }

    /** Whether the method declares this parameter. */
    public boolean has(String key) {
        return asMap().containsKey(key);
    }

    public double number(String key) {
        String v = text(key);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("method '" + method + "': parameter " + key + " must be a number, got '"
                    + v + "'");
        }
    }

    public String text(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalStateException("method '" + method + "' read undeclared parameter '" + key + "'");
        }
        return v;
    }

    public Map<String, String> asMap() {
        return values;
    }
}
