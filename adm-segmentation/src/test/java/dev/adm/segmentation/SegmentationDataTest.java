package dev.adm.segmentation;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.models.data.Datasets;
import dev.adm.models.data.ImageSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentationDataTest extends AdmTestBase {
    /** With --validation the scored scenes are the test layouts composed from the last training items instead. */
    @Test
    void aValidationSplitScoresScenesComposedFromHeldOutTrainingItems() {
        SegmentationConfig plain = SegmentationConfig.builder().embeddedData(true).trainScenes(8).testScenes(4)
                .build();
        SegmentationData held = SegmentationData.of(plain.toBuilder().validation(200).build());
        assertTrue(held.source().contains("last 200 training images (validation)")
                && held.source().endsWith("4 validation scenes"), held.source());

        ImageSet train = Datasets.load("fashion-mnist", null, true, 28).train();
        SceneComposer lastItems = SceneComposer.builder(train.slice(train.size() - 200, train.size()))
                .canvas(plain.canvas()).items(plain.minItems(), plain.maxItems()).seed(7_919).build();
        DataSet expected = SceneIterator.builder(lastItems, 0, 4, 64).build().next();
        DataSet scored = held.test().next();
        assertEquals(expected.getLabels(), scored.getLabels(), "the scored scenes are made of the held-out items");
        assertNotEquals(SegmentationData.of(plain).test().next().getLabels(), scored.getLabels(),
                "and are not the test scenes");

        IllegalArgumentException folder = assertThrows(IllegalArgumentException.class, () -> plain.toBuilder()
                .folder("camvid", 64, 64).embeddedData(false).dataDir(java.nio.file.Path.of("data")).validation(10)
                .build());
        assertTrue(folder.getMessage().contains("scored on its own val/ folder"), folder.getMessage());
    }
}
