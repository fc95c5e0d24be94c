package dev.adm.segmentation;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.models.data.FashionMnist;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SceneIteratorTest extends AdmTestBase {
    private static final SceneComposer SCENES = SceneComposer.builder(FashionMnist.embedded().train()).canvas(32)
            .items(1, 2).seed(5).build();

    @Test
    void batchesHoldStandardisedScenesAndOneHotMaps() {
        SceneIterator it = SceneIterator.builder(SCENES, 100, 10, 4).build();
        DataSet ds = it.next();
        assertArrayEquals(new long[]{4, 1, 32, 32}, ds.getFeatures().shape());
        assertArrayEquals(new long[]{4, 11, 32, 32}, ds.getLabels().shape());
        INDArray perPixel = ds.getLabels().sum(1);
        assertEquals(4 * 32 * 32, perPixel.sumNumber().intValue(), "one class per pixel");
        SceneComposer.Scene first = SCENES.scene(100);
        for (int y = 0; y < 32; y += 3) {
            for (int x = 0; x < 32; x += 3) {
                assertEquals(1.0, ds.getLabels().getDouble(0, first.label(y, x), y, x));
                assertEquals(((first.pixel(y, x) / 255.0) - it.mean()) / it.std(), ds.getFeatures().getDouble(0, 0, y, x),
                        1e-5);
            }
        }
        assertEquals(3, it.batchesPerEpoch());
        it.next();
        assertEquals(2, it.next().numExamples());
        assertTrue(!it.hasNext());
    }

    @Test
    void flipsMoveImageAndLabelsTogetherAndEpochsRepeat() {
        SceneIterator a = SceneIterator.builder(SCENES, 0, 16, 16).shuffle(3).flip(true).build();
        SceneIterator b = SceneIterator.builder(SCENES, 0, 16, 16).shuffle(3).flip(true).build();
        a.setEpoch(2);
        b.setEpoch(2);
        DataSet x = a.next();
        DataSet y = b.next();
        assertEquals(x.getFeatures(), y.getFeatures());
        assertEquals(x.getLabels(), y.getLabels());
        a.setEpoch(3);
        assertNotEquals(x.getFeatures(), a.next().getFeatures());
        // wherever the (flipped) image is bright, the label is an item class, and background elsewhere
        INDArray background = x.getLabels().get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.point(0));
        double dark = (0 - a.mean()) / a.std();
        INDArray isBackground = x.getFeatures().reshape(16, 32, 32).lte(dark + 1e-4).castTo(background.dataType());
        assertEquals(isBackground, background);
    }
}
