package dev.adm.models.zoo;

import dev.adm.core.testing.AdmTestBase;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelZooTest extends AdmTestBase {
    private static final ModelConfig CIFAR100 = ModelConfig.builder().input(3, 32, 32).classes(100).build();
    private static final ModelConfig FMNIST = ModelConfig.builder().input(1, 28, 28).classes(10).build();

    /** Published figures of the PyTorch definitions (RepDistiller / mdistiller; torchvision for ImageNet). */
    @Test
    void publishedParameterCountsMatch() {
        assertEquals(1_233_540, ZooInfo.of(ModelZoo.get("resnet8x4"), CIFAR100).params());
        assertEquals(7_433_860, ZooInfo.of(ModelZoo.get("resnet32x4"), CIFAR100).params());
        assertEquals(2_255_156, ZooInfo.of(ModelZoo.get("wrn_40_2"), CIFAR100).params());
        assertEquals(9_462_180, ZooInfo.of(ModelZoo.get("vgg13"), CIFAR100).params());
        ModelConfig imagenet = ModelConfig.builder().input(3, 224, 224).classes(1000).build();
        ZooInfo r18 = ZooInfo.of(ModelZoo.get("resnet18_imagenet"), imagenet);
        assertEquals(11_689_512, r18.params());
        assertEquals(1_814_073_344L, r18.macs(), "torchvision ResNet-18: 1.82 GMACs");
    }

    @Test
    void everyModelBuildsOnFashionMnistWithTheTapScheme() {
        for (ModelSpec spec : ModelZoo.all()) {
            ComputationGraph g = spec.build(FMNIST);
            Map<String, InputType> types = g.getConfiguration().getLayerActivationTypes(InputType.convolutional(28, 28, 1));
            String feat = spec.tapAliases().getOrDefault("feat", "feat");
            assertTrue(types.containsKey(feat), spec.name() + " has no feat tap");
            assertEquals(List.of(feat), g.getConfiguration().getVertexInputs().get("pool"),
                    spec.name() + ": feat must be the map the classifier pools");
            assertArrayEquals(new long[]{10}, types.get("logits").getShape(false), spec.name());
            assertTrue(types.containsKey("stage1") && types.containsKey("stage3"), spec.name());
            spec.tapAliases().forEach((tap, vertex) -> assertTrue(types.containsKey(vertex),
                    spec.name() + ": tap " + tap + " -> missing vertex " + vertex));
            var out = g.output(Nd4j.rand(DataType.FLOAT, 2, 1, 28, 28))[0];
            assertArrayEquals(new long[]{2, 10}, out.shape(), spec.name());
        }
    }

    @Test
    void tapsHaveTheDocumentedShapesOnFashionMnist() {
        for (String name : new String[]{"resnet8", "resnet20"}) {
            ModelSpec spec = ModelZoo.get(name);
            Map<String, long[]> taps = ZooInfo.of(spec, FMNIST).taps();
            assertArrayEquals(new long[]{16, 28, 28}, taps.get("stem"));
            assertArrayEquals(new long[]{16, 28, 28}, taps.get("stage1"));
            assertArrayEquals(new long[]{32, 14, 14}, taps.get("stage2"));
            assertArrayEquals(new long[]{64, 7, 7}, taps.get("feat"));
            assertArrayEquals(new long[]{64}, taps.get("pool"));
            assertArrayEquals(new long[]{32, 14, 14}, taps.get("stage2_preact"));
        }
    }

    @Test
    void mobileNetTrainsWithoutNonFiniteActivations() {
        ComputationGraph g = ModelZoo.get("mobilenetv2_half").build(FMNIST);
        var x = Nd4j.rand(DataType.FLOAT, 4, 1, 28, 28);
        var y = Nd4j.eye(10).getRows(0, 3, 5, 7).castTo(DataType.FLOAT);
        var before = g.params().dup();
        g.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
        assertTrue(g.params().sub(before).norm2Number().doubleValue() > 0, "no parameter moved");
        var out = g.output(false, x)[0];
        assertTrue(!org.nd4j.linalg.indexing.BooleanIndexing.or(out, org.nd4j.linalg.indexing.conditions.Conditions.isNan()),
                "NaN after one training step");
    }

    @Test
    void registryRejectsUnknownNamesListingKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelZoo.get("resnet9"));
        assertTrue(e.getMessage().contains("resnet8") && e.getMessage().contains("wrn_40_2"), e.getMessage());
    }
}
