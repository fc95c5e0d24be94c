package dev.adm.core.engine;

/** The part a network plays in a method. Whether it trains is a separate, per-network setting. */
public enum Role {
    TEACHER,
    STUDENT,
    /** A network in a symmetric method (DML) or an auxiliary branch. */
    PEER
}
