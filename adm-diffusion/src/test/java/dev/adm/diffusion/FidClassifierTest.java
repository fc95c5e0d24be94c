package dev.adm.diffusion;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.Slow;
import dev.adm.models.data.FashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Slow
class FidClassifierTest extends AdmTestBase {
    @Test
    void realImagesAreCloseToRealImagesAndFarFromNoiseInTheClassifiersFeatures(@TempDir Path dir) {
        var splits = FashionMnist.embedded();
        DenoisingData train = new DenoisingData(splits.train(), 2);
        DenoisingData test = new DenoisingData(splits.test(), 2);
        FidClassifier c = FidClassifier.trainOrLoad(dir, train, test, 1, 3);
        assertEquals("fid-resnet8-16px-8000-images-1-epochs-seed3.zip", c.name());
        assertTrue(Files.exists(dir.resolve(c.name())));
        double accuracy = c.accuracy(test, 1000);
        assertTrue(accuracy > 0.6, "a feature network must know the classes: top-1 " + accuracy);

        INDArray real = c.features(test, 1000);
        assertEquals(64, real.columns());
        INDArray firstHalf = real.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 500));
        INDArray secondHalf = real.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(500, 1000));
        Nd4j.getRandom().setSeed(1);
        INDArray noise = c.features(Nd4j.rand(DataType.FLOAT, 500, 1, 16, 16).muli(2).subi(1));
        double realVsReal = FrechetDistance.between(firstHalf, secondHalf);
        double realVsNoise = FrechetDistance.between(firstHalf, noise);
        assertTrue(realVsReal >= 0 && realVsReal * 5 < realVsNoise, "real/real " + realVsReal + ", real/noise "
                + realVsNoise);
        // the floor: disjoint real images against the reference ones, with as many images as a model's samples
        RealFloor floor = RealFloor.of(c, test, 500);
        assertEquals(500, floor.samples());
        assertTrue(floor.fid() >= 0 && floor.fid() * 5 < FrechetDistance.between(floor.reference(),
                FrechetDistance.Moments.of(noise)), "floor " + floor.fid());
        double noiseConfident = c.confidentShare(Nd4j.rand(DataType.FLOAT, 500, 1, 16, 16).muli(2).subi(1), 0.9);
        assertTrue(floor.confidentShare() > noiseConfident + 0.2, // a classifier of one epoch on 16x16 images
                "real images " + floor.confidentShare() + ", noise " + noiseConfident);
        RealFloor few = RealFloor.of(c, new DenoisingData(splits.test().slice(0, 300), 2), 500);
        assertEquals(150, few.samples(), "fewer test images: the halves");
        // the cached classifier gives the same features
        FidClassifier again = FidClassifier.trainOrLoad(dir, train, test, 1, 3);
        assertEquals(0, again.features(test, 10).sub(c.features(test, 10)).amaxNumber().doubleValue(), 1e-6);
        // one trained on other images is another file, never the cached one taken for it
        DenoisingData fewer = new DenoisingData(splits.train().slice(0, 256), 2);
        assertEquals("fid-resnet8-16px-256-images-1-epochs-seed3.zip", FidClassifier.fileName(fewer, 1, 3));
    }
}
