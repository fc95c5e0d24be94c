package dev.adm.models.run;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run produced.
 *
 * @param outDir       its directory
 * @param history      every epoch so far
 * @param finalScores  each network's final score (after a stopped run: its last epoch's)
 * @param details      further final numbers per network, by display name (empty until the run finishes)
 * @param trainSeconds training time over all epochs
 */
public record RunResult(Path outDir, List<EpochRecord> history, Map<String, Double> finalScores,
                        Map<String, Map<String, Double>> details, double trainSeconds) {
    public RunResult {
        history = List.copyOf(history);
        finalScores = Collections.unmodifiableMap(new LinkedHashMap<>(finalScores)); // network order
        details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }
}
