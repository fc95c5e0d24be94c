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
        KernelTarget.Round round = new KernelTarget.Round(8.053064, 0.4793490);
        assertEquals(50.0, round.triadGbs(), 1e-4);
        assertEquals(35.0, round.kernelGbs(), 1e-4);
        assertEquals(0.70, round.share(), 1e-6);
    }

    @Test
    void verdictUsesTheMedianRoundNotTheBestOrTheMean() {
        double triad = 8.053064; // 50 GB/s
        // kernel shares 20%, 60%, 90%: mean 57%, best 90%, median 60%
        List<KernelTarget.Round> rounds = List.of(new KernelTarget.Round(triad, 0.4793490 * 70 / 20),
                new KernelTarget.Round(triad, 0.4793490 * 70 / 90), new KernelTarget.Round(triad, 0.4793490 * 70 / 60));
        assertEquals(0.60, KernelTarget.medianShare(rounds), 1e-6);
        assertTrue(KernelTarget.table(rounds).contains("median share 60% (target 70%): not met"));
        List<KernelTarget.Round> even = List.of(rounds.get(1), rounds.get(2)); // 90% and 60%: median 75%
        assertEquals(0.75, KernelTarget.medianShare(even), 1e-6);
        assertTrue(KernelTarget.table(even).contains("median share 75% (target 70%): met"));
    }

    @Test
    void rejectsTimesThatAreNotPositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KernelTarget.Round(0, 1));
        assertTrue(e.getMessage().contains("triad 0.0 ms"), e.getMessage());
    }
}
