package dev.adm.core.methods;

/**
 * One parameter of a method, as listed by {@code ./adm methods} and accepted as {@code --param key=value}.
 *
 * @param key          the parameter's name, as in docs/methods.md (T, tau, alpha, ...)
 * @param defaultValue the default, as text
 * @param description  one line
 */
public record ParamSpec(String key, String defaultValue, String description) {
    public static ParamSpec of(String key, Object defaultValue, String description) {
        return new ParamSpec(key, String.valueOf(defaultValue), description);
    }
}
