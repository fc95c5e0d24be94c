package dev.adm.segmentation;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.models.data.FashionMnist;
import dev.adm.models.data.ImageSet;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SceneComposerTest extends AdmTestBase {
    private static final ImageSet ITEMS = FashionMnist.embedded().train();

    @Test
    void scenesAreDeterministicBySeedAndIndex() {
        SceneComposer a = SceneComposer.builder(ITEMS).canvas(64).items(2, 4).seed(7).build();
        SceneComposer b = SceneComposer.builder(ITEMS).canvas(64).items(2, 4).seed(7).build();
        SceneComposer other = SceneComposer.builder(ITEMS).canvas(64).items(2, 4).seed(8).build();
        assertArrayEquals(a.scene(5).pixels(), b.scene(5).pixels());
        assertArrayEquals(a.scene(5).labels(), b.scene(5).labels());
        assertFalse(Arrays.equals(a.scene(5).pixels(), a.scene(6).pixels()));
        assertFalse(Arrays.equals(a.scene(5).pixels(), other.scene(5).pixels()));
        assertEquals(11, a.numClasses());
    }

    @Test
    void labelsFollowTheSilhouettesOfRealItems() {
        SceneComposer scenes = SceneComposer.builder(ITEMS).canvas(64).items(1, 1).seed(3).build();
        int[] classCounts = new int[11];
        for (int i = 0; i < 200; i++) {
            SceneComposer.Scene s = scenes.scene(i);
            int foreground = 0;
            int itemClass = -1;
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x < 64; x++) {
                    int label = s.label(y, x);
                    boolean bright = s.pixel(y, x) > SceneComposer.SILHOUETTE_LEVEL;
                    assertEquals(bright, label != SceneComposer.BACKGROUND, "scene " + i + " pixel " + y + "," + x);
                    if (label != 0) {
                        assertTrue(itemClass == -1 || itemClass == label, "one item, one class");
                        itemClass = label;
                        foreground++;
                    }
                }
            }
            assertTrue(foreground > 30 && foreground <= 28 * 28, "an item covers part of its 28x28 box: " + foreground);
            classCounts[itemClass]++;
        }
        assertEquals(0, classCounts[0]);
        for (int c = 1; c <= 10; c++) {
            assertTrue(classCounts[c] > 0, "class " + c + " never drawn in 200 scenes");
        }
    }

    @Test
    void laterItemsOccludeEarlierOnesAndScenesHoldSeveralClasses() {
        SceneComposer scenes = SceneComposer.builder(ITEMS).canvas(48).items(4, 4).seed(1).build();
        long multiClass = java.util.stream.IntStream.range(0, 50).filter(i -> {
            byte[] labels = scenes.scene(i).labels();
            return java.util.stream.IntStream.range(0, labels.length).map(k -> labels[k]).filter(l -> l != 0)
                    .distinct().count() >= 2;
        }).count();
        assertTrue(multiClass > 40, "scenes of four items should mostly show two or more classes: " + multiClass);
    }

    @Test
    void badSettingsAreClearErrors() {
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> SceneComposer.builder(ITEMS).canvas(20));
        assertTrue(small.getMessage().contains("28x28"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SceneComposer.builder(ITEMS).items(3, 2));
    }
}
