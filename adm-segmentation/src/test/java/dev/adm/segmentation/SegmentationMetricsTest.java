package dev.adm.segmentation;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentationMetricsTest {
    @Test
    void iouAndPixelAccuracyByHand() {
        SegmentationMetrics m = new SegmentationMetrics(3, 255);
        // truth:      0 0 1 1 2 255
        // prediction: 0 1 1 1 0 2
        m.add(new int[]{0, 0, 1, 1, 2, 255}, new int[]{0, 1, 1, 1, 0, 2});
        double[] iou = m.classIou();
        assertEquals(1.0 / 3, iou[0], 1e-12); // TP 1, FP 1 (the 2 predicted 0), FN 1
        assertEquals(2.0 / 3, iou[1], 1e-12); // TP 2, FP 1, FN 0
        assertEquals(0.0, iou[2], 1e-12);     // TP 0, FN 1 (the ignored pixel does not count as FP)
        assertEquals((1.0 / 3 + 2.0 / 3 + 0) / 3, m.meanIou(), 1e-12);
        assertEquals(3.0 / 5, m.pixelAccuracy(), 1e-12);
        assertEquals(5, m.pixels());
    }

    @Test
    void classesAbsentEverywhereDoNotCountAndBatchesAccumulate() {
        SegmentationMetrics m = new SegmentationMetrics(4, -1);
        m.add(new int[]{0, 1}, new int[]{0, 1});
        m.add(new int[]{1, 1}, new int[]{1, 0});
        assertTrue(Double.isNaN(m.classIou()[2]) && Double.isNaN(m.classIou()[3]));
        assertEquals((1.0 / 2 + 2.0 / 3) / 2, m.meanIou(), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.add(new int[]{7}, new int[]{0}));
        assertTrue(e.getMessage().contains("label 7"), e.getMessage());
    }
}
