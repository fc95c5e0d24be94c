package dev.adm.core.methods;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MethodRegistryTest {
    @Test
    void unknownMethodListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MethodRegistry.create("adm3", Map.of()));
        assertTrue(e.getMessage().contains("baseline, kd, dkd, fitnet, at, cwd, pixel-kd, akd, rdd, output-kd, dml, kdcl, switokd, one, sokd, adm, adm-kdcl"), e.getMessage());
    }

    @Test
    void unknownParameterListsTheMethodsParameters() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MethodRegistry.create("adm", Map.of("temperature", "2")));
        assertTrue(e.getMessage().contains("'temperature'") && e.getMessage().contains("tau"), e.getMessage());
    }

    @Test
    void parametersAreParsedAndValidated() {
        AdmMethod adm = (AdmMethod) MethodRegistry.create("adm", Map.of("tau", "0.25", "similarity", "attention"));
        assertEquals(0.25, adm.config().tau());
        assertEquals("attention", adm.config().similarity().id());
        assertThrows(IllegalArgumentException.class, () -> MethodRegistry.create("adm", Map.of("tau", "0")));
        assertThrows(IllegalArgumentException.class, () -> MethodRegistry.create("adm", Map.of("tau", "x")));
        assertThrows(IllegalArgumentException.class, () -> MethodRegistry.create("adm", Map.of("variant", "both")));
        assertThrows(IllegalArgumentException.class, () -> MethodRegistry.create("kd", Map.of("T", "-1")));
    }

    @Test
    void namesAreLowerCaseAndMatchTheMethods() {
        for (MethodRegistry.Entry e : MethodRegistry.entries()) {
            assertEquals(e.name().toLowerCase(), e.name());
            assertEquals(e.name(), e.create(Map.of()).name());
        }
    }
}
