package dev.adm.models.data;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class ImageSetIteratorTest {
    private static ImageSet tiny() {
        byte[] pixels = new byte[10 * 4 * 4];
        int[] labels = new int[10];
        for (int i = 0; i < 10; i++) {
            labels[i] = i;
            for (int p = 0; p < 16; p++) {
                pixels[i * 16 + p] = (byte) (i * 20 + p);
            }
        }
        return new ImageSet(pixels, labels, 1, 4, 4, 10);
    }

    @Test
    void batchesHaveNchwFeaturesOneHotLabelsAndAShortLastBatch() {
        ImageSetIterator it = ImageSetIterator.builder(tiny(), 4).normalize(0.5, 0.25).build();
        DataSet first = it.next();
        assertArrayEquals(new long[]{4, 1, 4, 4}, first.getFeatures().shape());
        assertArrayEquals(new long[]{4, 10}, first.getLabels().shape());
        assertEquals(1.0, first.getLabels().getDouble(2, 2));
        assertEquals(((20 + 3) / 255.0 - 0.5) / 0.25, first.getFeatures().getDouble(1, 0, 0, 3), 1e-6);
        it.next();
        assertEquals(2, it.next().numExamples());
        assertFalse(it.hasNext());
        assertEquals(3, it.batchesPerEpoch());
    }

    @Test
    void shufflingAndAugmentationAreSeededPerEpoch() {
        ImageSetIterator a = ImageSetIterator.builder(tiny(), 10).shuffle(7).augment(1).build();
        ImageSetIterator b = ImageSetIterator.builder(tiny(), 10).shuffle(7).augment(1).build();
        DataSet a0 = a.next();
        assertEquals(a0.getFeatures(), b.next().getFeatures());
        a.setEpoch(3);
        b.setEpoch(3);
        DataSet a3 = a.next();
        assertEquals(a3.getFeatures(), b.next().getFeatures());
        assertNotEquals(a0.getLabels(), a3.getLabels(), "a new epoch reshuffles");
        assertArrayEquals(new long[]{10, 1, 4, 4}, a3.getFeatures().shape());
    }
}
