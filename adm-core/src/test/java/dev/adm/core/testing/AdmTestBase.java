package dev.adm.core.testing;

import dev.adm.core.backend.Backend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Base of every test: the backend set up once, a fixed ND4J seed per test, and a check that no test
 * leaves a workspace open.
 */
public abstract class AdmTestBase {
    @BeforeAll
    static void initBackend() {
        Backend.initialize();
    }

    @BeforeEach
    void seed() {
        Nd4j.getRandom().setSeed(12345);
    }

    @AfterEach
    void noLeakedWorkspace() {
        MemoryWorkspace ws = Nd4j.getMemoryManager().getCurrentWorkspace();
        assertNull(ws, () -> "test left workspace " + ws.getId() + " open");
    }
}
