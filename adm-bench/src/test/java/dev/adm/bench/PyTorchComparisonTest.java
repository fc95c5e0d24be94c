package dev.adm.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PyTorchComparisonTest {
    @Test
    void eachRoundsRatioIsTheEngineOverPyTorchAndTheSummaryTheirMedianAndRange() {
        List<PyTorchComparison.Measurement> m = List.of(
                new PyTorchComparison.Measurement(1, "baseline", 1000, 400),
                new PyTorchComparison.Measurement(1, "dml", 300, 100),
                new PyTorchComparison.Measurement(2, "baseline", 800, 360),
                new PyTorchComparison.Measurement(2, "dml", 330, 99),
                new PyTorchComparison.Measurement(3, "baseline", 1000, 500),
                new PyTorchComparison.Measurement(3, "dml", 320, 128));
        assertEquals(0.45, m.get(2).ratio(), 1e-12);
        String table = PyTorchComparison.table(m);
        assertTrue(table.contains("| 2 | baseline | 800 | 360 | 0.45x |"), table);
        assertTrue(table.contains("baseline: median 0.45x over 3 rounds (0.40-0.50x)"), table);
        assertTrue(table.contains("dml: median 0.33x over 3 rounds (0.30-0.40x)"), table);
        assertThrows(IllegalArgumentException.class, () -> new PyTorchComparison.Measurement(1, "dml", 0, 1));
    }
}
