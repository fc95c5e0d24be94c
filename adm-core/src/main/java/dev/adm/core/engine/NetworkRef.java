package dev.adm.core.engine;

/**
 * What a method may know about a network: its name, role and whether it trains. Methods never see
 * model classes (adm-core does not depend on adm-models).
 *
 * @param name      lower-case name, used in loss-term names such as {@code ce/student}
 * @param role      teacher, student or peer
 * @param trainable whether the engine updates it; a frozen network contributes only detached tensors
 * @param index     position in the engine's network list
 */
public record NetworkRef(String name, Role role, boolean trainable, int index) {
}
