package dev.adm.models.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EpochRecordTest {
    /** Runs written before the score was generalised from top-1 to any metric are still read (and reused). */
    @Test
    void readsTheOlderTop1FieldAsTheScores() throws Exception {
        EpochRecord r = new ObjectMapper().readValue("{\"epoch\":1,\"seconds\":874.3,\"imagesPerSec\":68.6,"
                + "\"learningRate\":0.05,\"losses\":{\"ce/student\":0.66},\"top1\":{\"student\":0.8139}}",
                EpochRecord.class);
        assertEquals(Map.of("student", 0.8139), r.scores());
        EpochRecord again = new ObjectMapper().readValue(new ObjectMapper().writeValueAsString(r), EpochRecord.class);
        assertEquals(r, again);
    }
}
