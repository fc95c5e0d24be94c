package dev.adm.models.zoo;

import com.google.common.base.Preconditions;
import dev.adm.core.backend.Backend;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every zoo model by name; an unknown name fails listing the known ones. */
public final class ModelZoo {
    private static final Map<String, ModelSpec> MODELS = new LinkedHashMap<>();

    static {
        Backend.initialize(); // the zoo's networks are built with DL4J's oneDNN helpers on
        for (int depth : new int[]{8, 14, 20, 32, 44, 56, 110}) {
            register(CifarResNet.standard(depth));
        }
        register(CifarResNet.wide4(8));
        register(CifarResNet.wide4(32));
        for (int[] dk : new int[][]{{16, 1}, {16, 2}, {40, 1}, {40, 2}}) {
            register(new WideResNet(dk[0], dk[1]));
        }
        for (int depth : new int[]{8, 11, 13, 16, 19}) {
            register(Vgg.of(depth));
        }
        register(new MobileNetV2("mobilenetv2_half", 6, 0.5));
        register(new ShuffleNetV1());
        register(new ShuffleNetV2());
        register(ResNet.cifar50());
        register(ResNet.imagenet18());
        register(ResNet.imagenet34());
        register(ResNet.imagenet50());
    }

    private ModelZoo() {
    }

    private static void register(ModelSpec spec) {
        Preconditions.checkState(MODELS.put(spec.name(), spec) == null, "model '%s' registered twice", spec.name());
    }

    public static ModelSpec get(String name) {
        ModelSpec spec = MODELS.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("unknown model '" + name + "'; known models: "
                    + String.join(", ", MODELS.keySet()));
        }
        return spec;
    }

    public static Collection<ModelSpec> all() {
        return Collections.unmodifiableCollection(MODELS.values());
    }
}
