package dev.adm.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelTargetTest {
    /** 3 * 4 * 2^25 bytes in 8.053064 ms is 50.0 GB/s; 2 * 4 * 128 * 64 * 256 bytes in 0.4793490 ms is 35.0 GB/s. */
    @Test
    void shareIsKernelBandwidthOverTriadBandwidth() {
        KernelTarget.Round round = new KernelTarget.Round(8.053064, 0.4793490, 2 * 0.4793490);
        assertEquals(50.0, round.triadGbs(), 1e-4);
        assertEquals(35.0, round.kernelGbs(), 1e-4);
        assertEquals(0.70, round.share(), 1e-6);
        assertEquals(0.35, round.allocatingShare(), 1e-6);
    }

    @Test
    void verdictUsesTheMedianRoundNotTheBestOrTheMean() {
        double triad = 8.053064; // 50 GB/s
        // kernel shares 20%, 60%, 90%: mean 57%, best 90%, median 60%; allocating 10%, 30%, 45%: median 30%
        List<KernelTarget.Round> rounds = List.of(round(triad, 20), round(triad, 90), round(triad, 60));
        assertEquals(0.60, KernelTarget.medianShare(rounds), 1e-6);
        assertTrue(KernelTarget.table(rounds).contains("median share 60% (target 70%): not met; with a new result "
                + "per call 30%"), KernelTarget.table(rounds));
        List<KernelTarget.Round> even = List.of(rounds.get(1), rounds.get(2)); // 90% and 60%: median 75%
        assertEquals(0.75, KernelTarget.medianShare(even), 1e-6);
        assertTrue(KernelTarget.table(even).contains("median share 75% (target 70%): met"));
    }

    /** A round whose kernel reaches {@code percent}% of a triad of {@code triadMs}, allocating half as fast. */
    private static KernelTarget.Round round(double triadMs, double percent) {
        double kernelMs = 0.4793490 * 70 / percent * 8.053064 / triadMs;
        return new KernelTarget.Round(triadMs, kernelMs, 2 * kernelMs);
    }

    @Test
    void rejectsTimesThatAreNotPositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KernelTarget.Round(0, 1, 1));
        assertTrue(e.getMessage().contains("triad 0.0 ms"), e.getMessage());
    }
}
