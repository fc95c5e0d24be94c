package dev.adm.spark;

import dev.adm.core.engine.DistillationEngine;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The engines an executor JVM has built, kept between averaging rounds so a task does not rebuild its networks:
 * one per task running at a time, for the most recent blueprint only (a new fit drops the old engines).
 */
final class EnginePool {
    private static String blueprint;
    private static final Deque<DistillationEngine> IDLE = new ArrayDeque<>();

    private EnginePool() {
    }

    /** An idle engine of {@code b}, or a new one. */
    static DistillationEngine take(EngineBlueprint b) {
        synchronized (IDLE) {
            if (!b.id().equals(blueprint)) {
                IDLE.clear();
                blueprint = b.id();
            }
            DistillationEngine e = IDLE.pollFirst();
            if (e != null) {
                return e;
            }
        }
        return b.build();
    }

    /** Returns an engine taken for {@code b} once its task is done. */
    static void give(EngineBlueprint b, DistillationEngine engine) {
        synchronized (IDLE) {
            if (b.id().equals(blueprint)) {
                IDLE.addFirst(engine);
            }
        }
    }
}
