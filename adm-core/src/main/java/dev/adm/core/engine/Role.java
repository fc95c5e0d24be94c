package dev.adm.core.engine;

import java.util.Locale;

/** The part a network plays in a method. Whether it trains is a separate, per-network setting. */
public enum Role {
    TEACHER,
    STUDENT,
    /** A network in a symmetric method (DML) or an auxiliary branch. */
    PEER;

    /**
     * How runs name the {@code index}-th of {@code count} networks of this role: {@code teacher}, {@code student},
     * numbered from 1 when there are several ({@code student1}, {@code student2}).
     */
    public String networkName(int index, int count) {
        String base = name().toLowerCase(Locale.ROOT);
        return count == 1 ? base : base + (index + 1);
    }
}
