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

    @Test
    void aProviderOnTheClassPathAddsItsMethodsAfterTheBuiltInOnes() throws Exception {
        java.util.List<String> names = MethodRegistry.entries().stream().map(MethodRegistry.Entry::name).toList();
        assertTrue(names.indexOf(LogitMseMethods.NAME) > names.indexOf("adm-output-kd"), names.toString());
        assertEquals("0.5", MethodRegistry.entry(LogitMseMethods.NAME).resolve(Map.of()).get("weight"));
        assertTrue(MethodRegistry.create(LogitMseMethods.NAME, Map.of("weight", "2")).freezesTeacher());
        assertTrue(MethodRegistry.namesFor(dev.adm.core.engine.LabelKind.CLASS).contains(LogitMseMethods.NAME));

        // adm loss evaluates it as it does a built-in method: CE + 0.5 mean (z_s - z_t)^2 on the kd case's tensors
        java.nio.file.Path inputs = java.nio.file.Path.of(getClass().getResource("/loss-parity/kd/inputs").toURI());
        var r = new dev.adm.core.parity.LossHarness(inputs).evaluate(LogitMseMethods.NAME, Map.of());
        var zs = dev.adm.core.parity.NpyFiles.read(inputs.resolve("student_logits.npy"));
        var zt = dev.adm.core.parity.NpyFiles.read(inputs.resolve("teacher_logits.npy"));
        double mse = zs.sub(zt).mul(zs.sub(zt)).meanNumber().doubleValue();
        assertEquals(mse, r.terms().get("mse/student"), 1e-12);
        assertEquals(r.terms().get("ce/student") + 0.5 * mse, r.totals().get("student"), 1e-12);

        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> MethodRegistry.register(
                MethodRegistry.entry(LogitMseMethods.NAME)));
        assertTrue(twice.getMessage().contains("already registered by dev.adm.core.methods.LogitMseMethods"),
                twice.getMessage());
    }
}
