package dev.adm.models.classification;

import dev.adm.core.ops.SimilarityMeasure;
import dev.adm.core.testing.AdmTestBase;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SimilarityMapsTest extends AdmTestBase {
    /**
     * One image, one channel, a 2x2 map whose top row is the object. Teacher [[2,0],[1,1]], student all ones: the
     * cosine per location is the sign agreement, [[1,0],[1,1]] (a zero vector's cosine is 0), so S averages 0.5 on
     * the object and 1 on the background; w_co = 4 softmax(S / 0.5) = 4 [e^2, 1, e^2, e^2] / (3e^2 + 1). The
     * teacher's attention F^2 = [[4,0],[1,1]] puts 4/6 on the object, the student's 2/4.
     */
    @Test
    void summaryMatchesAHandComputedMap() {
        var teacher = Nd4j.createFromArray(2f, 0f, 1f, 1f).reshape(1, 1, 2, 2);
        var student = Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 1, 2, 2);
        SimilarityMaps.Maps maps = SimilarityMaps.Maps.of(teacher, student, "cosine", 0.5);
        SimilarityMaps.Tally tally = new SimilarityMaps.Tally();
        tally.add(maps, 0, new boolean[][]{{true, true}, {false, false}});
        SimilarityMaps.Summary s = tally.summary(1, maps.measure(), 0.5);

        double e2 = Math.exp(2);
        assertEquals(SimilarityMeasure.COSINE, s.measure());
        assertEquals(0.5, s.objectShare(), 1e-12);
        assertEquals(0.5, s.similarity().object(), 1e-6);
        assertEquals(1.0, s.similarity().background(), 1e-6);
        assertEquals(4 * (e2 + 1) / 2 / (3 * e2 + 1), s.consensus().object(), 1e-5);
        assertEquals(4 * e2 / (3 * e2 + 1), s.consensus().background(), 1e-5);
        assertEquals((e2 + 1) / (3 * e2 + 1), s.consensusOnObject(), 1e-5);
        // w_di = 4 softmax(-S / 0.5) = 4 [e^-2, 1, e^-2, e^-2] / (3e^-2 + 1)
        double em2 = Math.exp(-2);
        assertEquals(4 * (em2 + 1) / 2 / (3 * em2 + 1), s.divergence().object(), 1e-5);
        assertEquals((em2 + 1) / (3 * em2 + 1), s.divergenceOnObject(), 1e-5);
        assertEquals(4.0 / 6, s.teacherObjectFocus(), 1e-6);
        assertEquals(0.5, s.studentObjectFocus(), 1e-6);
    }
}
