package dev.adm.segmentation;

import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.methods.MethodRegistry;
import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.Slow;
import dev.adm.models.data.FashionMnist;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelZoo;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Slow
class SegmentationHeadsTest extends AdmTestBase {
    private static final SceneComposer SCENES = SceneComposer.builder(FashionMnist.embedded().train()).canvas(32)
            .items(1, 2).seed(9).build();

    private static ModelConfig config() {
        return ModelConfig.builder().input(1, 32, 32).classes(SCENES.numClasses()).seed(1).updater(new Adam(3e-3))
                .build();
    }

    @Test
    void fcnOnAZooBackboneLearnsToSegmentComposedScenes() {
        learnsToSegment(FcnHead.build(ModelZoo.get("resnet8"), config()));
    }

    @Test
    void deepLabV3OnAZooBackboneLearnsToSegmentComposedScenes() {
        SegmentationNet model = DeepLabV3Head.build(ModelZoo.get("resnet8"), config(), 32, new int[]{1, 2, 3});
        var vertices = model.graph().getConfiguration().getVertices().keySet();
        assertTrue(vertices.containsAll(java.util.List.of("aspp_1x1", "aspp_r2", "aspp_pool_up", "aspp_cat",
                "aspp_project")), vertices.toString());
        learnsToSegment(model);
    }

    @Test
    void pspOnAZooBackboneLearnsToSegmentComposedScenesAndAnAuxiliaryHeadPredictsPerPixel() {
        SegmentationNet model = FcnHead.withAuxiliary(PspHead.build(ModelZoo.get("resnet8"), config()), config());
        var vertices = model.graph().getConfiguration().getVertices().keySet();
        // resnet8 on 32x32 gives an 8x8 map: levels 1, 2, 4 and 8 all divide it
        assertTrue(vertices.containsAll(List.of("psp_1_pool", "psp_2_up", "psp_4_bn", "psp_8_up", "psp_cat",
                "aux_conv", "aux")), vertices.toString());
        INDArray probe = org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 1, 32, 32);
        INDArray[] out = model.graph().output(probe);
        assertArrayEquals(new long[]{2, 11, 32, 32}, out[1].shape(), "aux logits at the input size");
        IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PspHead.build(ModelZoo.get("resnet8"), config(), new int[]{3}));
        assertTrue(bad.getMessage().contains("does not divide the 8x8 feature map"), bad.getMessage());
        learnsToSegment(model);
    }

    @Test
    void anOutputStride8BackboneKeepsAFinerDecoderMap() {
        ModelConfig cfg = ModelConfig.builder().input(3, 64, 64).classes(5).seed(1).updater(new Adam(1e-3)).build();
        org.deeplearning4j.nn.conf.inputs.InputType in = org.deeplearning4j.nn.conf.inputs.InputType.convolutional(64,
                64, 3);
        for (String model : List.of("deeplabv3-resnet18_imagenet", "deeplabv3-resnet18_imagenet-os8")) {
            SegmentationNet net = SegmentationZoo.build(model, cfg);
            long[] decoder = net.graph().getConfiguration().getLayerActivationTypes(in).get(FcnHead.DECODER)
                    .getShape(false);
            assertEquals(model.endsWith("os8") ? 8 : 2, decoder[1], model);
            assertArrayEquals(new long[]{1, 5, 64, 64}, net.graph().output(org.nd4j.linalg.factory.Nd4j.zeros(
                    org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 64, 64))[0].shape());
        }
    }

    private static void learnsToSegment(SegmentationNet model) {
        SceneComposer scenes = SCENES;
        INDArray probe = org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 1, 32, 32);
        assertArrayEquals(new long[]{2, 11, 32, 32}, model.graph().output(probe)[0].shape());

        DistillationEngine engine = new DistillationEngine(new dev.adm.core.methods.AuxiliaryHeadLoss(
                MethodRegistry.create("baseline", Map.of()), 0.4),
                List.of(Participant.builder("student", model.graph()).role(Role.STUDENT).taps(model.taps()).build()),
                new long[]{1, 32, 32}, new long[]{11, 32, 32}, Map.of());
        for (var layer : engine.graph("student").getLayers()) { // oneDNN rejects dilation in M2.1: DL4J's own conv
            if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer conv
                    && layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer c) {
                assertEquals(c.getDilation()[0] == 1, conv.getHelper() != null, layer.conf().getLayer().getLayerName());
            }
        }
        SceneIterator train = SceneIterator.builder(scenes, 0, 512, 32).shuffle(1).build();
        for (int epoch = 0; epoch < 3; epoch++) {
            train.setEpoch(epoch);
            while (train.hasNext()) {
                DataSet batch = train.next();
                engine.step(batch.getFeatures(), batch.getLabels());
            }
        }
        SceneIterator test = SceneIterator.builder(scenes, 10_000, 64, 32).normalize(train.mean(), train.std()).build();
        SegmentationMetrics metrics = new SegmentationMetrics(11, -1);
        SegmentationMetrics backgroundOnly = new SegmentationMetrics(11, -1);
        while (test.hasNext()) {
            DataSet batch = test.next();
            metrics.addBatch(batch.getLabels(), engine.predict("student", batch.getFeatures()));
            int[] truth = batch.getLabels().argMax(1).reshape(-1).toIntVector();
            backgroundOnly.add(truth, new int[truth.length]);
        }
        // a predictor of background everywhere gets that class's IoU and zero for the rest
        assertTrue(metrics.meanIou() > backgroundOnly.meanIou() + 0.05, "mIoU " + metrics.meanIou()
                + " vs background-only " + backgroundOnly.meanIou());
        assertTrue(metrics.pixelAccuracy() > backgroundOnly.pixelAccuracy(), "pixel accuracy " + metrics.pixelAccuracy()
                + " vs background-only " + backgroundOnly.pixelAccuracy());
    }
}
