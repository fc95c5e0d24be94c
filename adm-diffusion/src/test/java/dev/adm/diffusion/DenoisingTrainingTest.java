package dev.adm.diffusion;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.Slow;
import dev.adm.models.data.FashionMnist;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

import javax.imageio.ImageIO;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Slow
class DenoisingTrainingTest extends AdmTestBase {
    @Test
    void aSmallUNetLearnsToPredictTheNoiseOfHeldOutImages(@TempDir Path dir) throws Exception {
        var splits = FashionMnist.embedded();
        DenoisingData train = new DenoisingData(splits.train(), 2);
        DenoisingData test = new DenoisingData(splits.test(), 2);
        assertEquals(16, train.size(), "14x14, padded to a multiple of 4");
        INDArray clean = train.clean(new int[]{0, 1});
        assertTrue(clean.minNumber().doubleValue() >= -1 && clean.maxNumber().doubleValue() <= 1);
        assertEquals(-1.0, clean.getDouble(0, 0, 0, 0), 1e-6, "Fashion-MNIST's corners are black");

        NoiseSchedule schedule = NoiseSchedule.of(NoiseSchedule.Kind.COSINE, 100);
        UNet.Config c = new UNet.Config(1, 16, 8, new int[]{1, 2}, 1, 16, 7, new Adam(2e-3),
                org.nd4j.linalg.api.buffer.DataType.FLOAT);
        ComputationGraph net = UNet.build(c);
        Samplers.NoiseModel model = Samplers.of(net, c.embedding());
        int[] steps = DenoisingEvaluation.defaultSteps(schedule);
        Map<Integer, Double> before = DenoisingEvaluation.mse(model, test, 200, steps, schedule, c.embedding());
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 150; i++) {
            int[] idx = rnd.ints(32, 0, train.count()).toArray();
            net.fit(train.batch(idx, schedule, c.embedding(), rnd));
        }
        Map<Integer, Double> after = DenoisingEvaluation.mse(model, test, 200, steps, schedule, c.embedding());
        // predicting no noise scores 1; after 150 short steps every noise level must do clearly better
        after.forEach((t, mse) -> assertTrue(mse < 0.8 && mse < before.get(t), "t=" + t + ": " + before.get(t)
                + " -> " + mse));

        INDArray samples = Samplers.ddim(model, schedule, new long[]{8, 1, 16, 16}, 10, 11);
        assertArrayEquals(new long[]{8, 1, 16, 16}, samples.shape());
        Path png = dir.resolve("grid.png");
        SampleGrid.write(png, samples, 4, 3);
        assertEquals(2 + 4 * (16 * 3 + 2), ImageIO.read(png.toFile()).getWidth());
    }
}
