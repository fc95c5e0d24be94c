package dev.adm.core.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.FiniteDifferences;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every method's losses and input gradients against PyTorch 1.13: the vectors under
 * {@code src/test/resources/loss-parity} come from {@code tools/reference/loss_parity.py} (committed with
 * its output; these tests never run Python).
 */
class LossParityTest extends AdmTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path casesRoot() throws URISyntaxException {
        return Path.of(LossParityTest.class.getResource("/loss-parity").toURI());
    }

    @TestFactory
    Stream<DynamicTest> everyCaseMatchesPyTorch() throws Exception {
        List<Path> cases;
        try (Stream<Path> s = Files.list(casesRoot())) {
            cases = s.filter(Files::isDirectory).sorted().toList();
        }
        assertTrue(cases.size() >= 9, "expected the reference cases, found " + cases);
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> check(c)));
    }

    private static void check(Path dir) throws IOException {
        JsonNode spec = JSON.readTree(dir.resolve("params.json").toFile());
        Map<String, String> params = new LinkedHashMap<>();
        spec.get("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
        LossHarness.Result r = new LossHarness(dir.resolve("inputs")).evaluate(spec.get("method").asText(), params);

        JsonNode expected = JSON.readTree(dir.resolve("expected/loss.json").toFile());
        for (String net : List.of("student", "teacher")) {
            JsonNode v = expected.get(net);
            if (v == null || v.isNull()) {
                assertTrue(!r.totals().containsKey(net), dir + ": " + net + " should have no loss");
            } else {
                close(v.asDouble(), r.totals().get(net), dir + " total/" + net);
            }
        }
        Set<String> expectedTerms = new TreeSet<>();
        expected.get("terms").fields().forEachRemaining(e -> {
            expectedTerms.add(e.getKey());
            Double mine = r.terms().get(e.getKey());
            assertTrue(mine != null, dir + ": no term " + e.getKey() + " in " + r.terms().keySet());
            close(e.getValue().asDouble(), mine, dir + " " + e.getKey());
        });
        assertEquals(expectedTerms, new TreeSet<>(r.terms().keySet()), dir + ": term names");

        Set<String> expectedGrads;
        try (Stream<Path> s = Files.list(dir.resolve("expected"))) {
            expectedGrads = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("grad_"))
                    .map(n -> n.substring(5, n.length() - 4)).collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(expectedGrads, new TreeSet<>(r.gradients().keySet()), dir + ": gradient files");
        for (String stem : expectedGrads) {
            INDArray want = NpyFiles.read(dir.resolve("expected/grad_" + stem + ".npy"));
            INDArray got = r.gradients().get(stem);
            org.junit.jupiter.api.Assertions.assertArrayEquals(want.shape(), got.shape(), stem);
            for (long i = 0; i < want.length(); i++) {
                FiniteDifferences.assertClose(want.getDouble(i), got.getDouble(i), 1e-6, 1e-4,
                        dir.getFileName() + " grad_" + stem + "[" + i + "]");
            }
        }
    }

    private static void close(double want, double got, String what) {
        FiniteDifferences.assertClose(want, got, 1e-6, 1e-5, what);
    }

    @Test
    void writtenOutputsReadBack(@TempDir Path out) throws Exception {
        Path dir = casesRoot().resolve("kd");
        LossHarness.Result r = new LossHarness(dir.resolve("inputs")).evaluate("kd", Map.of("T", "4"));
        LossHarness.write(r, out);
        JsonNode json = JSON.readTree(out.resolve("loss.json").toFile());
        assertTrue(json.get("teacher").isNull());
        assertEquals(r.totals().get("student"), json.get("student").asDouble(), 1e-12);
        INDArray g = NpyFiles.read(out.resolve("grad_student_logits.npy"));
        assertTrue(g.castTo(r.gradients().get("student_logits").dataType())
                .equalsWithEps(r.gradients().get("student_logits"), 1e-6));
    }
}
