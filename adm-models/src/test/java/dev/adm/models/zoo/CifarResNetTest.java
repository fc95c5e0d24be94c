package dev.adm.models.zoo;

import dev.adm.core.testing.AdmTestBase;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CifarResNetTest extends AdmTestBase {
    private static final ModelConfig CIFAR100 = ModelConfig.builder().input(3, 32, 32).classes(100).build();

    /** Figures of the RepDistiller/mdistiller PyTorch definitions for 3x32x32 input and 100 classes. */
    @Test
    void parameterCountsMatchThePyTorchReference() {
        assertEquals(1_233_540, ModelZoo.get("resnet8x4").build(CIFAR100).numParams(false) - bnRunningStats("resnet8x4"));
        assertEquals(7_433_860, ModelZoo.get("resnet32x4").build(CIFAR100).numParams(false)
                - bnRunningStats("resnet32x4"));
    }

    /** DL4J counts batch-norm running mean/var as parameters; PyTorch keeps them as buffers. */
    private static long bnRunningStats(String model) {
        ComputationGraph g = ModelZoo.get(model).build(CIFAR100);
        long n = 0;
        for (var layer : g.getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                n += 2 * layer.getParam("mean").length();
            }
        }
        return n;
    }

    @Test
    void tapsHaveTheDocumentedShapesOnFashionMnist() {
        ModelConfig cfg = ModelConfig.builder().input(1, 28, 28).classes(10).build();
        for (String name : new String[]{"resnet8", "resnet20"}) {
            ModelSpec spec = ModelZoo.get(name);
            ComputationGraph g = spec.build(cfg);
            Map<String, InputType> types = g.getConfiguration().getLayerActivationTypes(InputType.convolutional(28, 28, 1));
            assertArrayEquals(new long[]{16, 28, 28}, types.get("stem").getShape(false));
            assertArrayEquals(new long[]{16, 28, 28}, types.get("stage1").getShape(false));
            assertArrayEquals(new long[]{32, 14, 14}, types.get("stage2").getShape(false));
            assertArrayEquals(new long[]{64, 7, 7}, types.get(spec.tapAliases().get("feat")).getShape(false));
            assertArrayEquals(new long[]{64}, types.get("pool").getShape(false));
            var out = g.output(Nd4j.rand(DataType.FLOAT, 2, 1, 28, 28))[0];
            assertArrayEquals(new long[]{2, 10}, out.shape());
            assertEquals(2.0, out.sumNumber().doubleValue(), 1e-4, "softmax rows sum to 1");
        }
    }

    @Test
    void registryRejectsUnknownNamesListingKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelZoo.get("resnet9"));
        assertTrue(e.getMessage().contains("resnet8") && e.getMessage().contains("resnet32x4"), e.getMessage());
    }
}
