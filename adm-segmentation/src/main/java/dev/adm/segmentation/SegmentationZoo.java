package dev.adm.segmentation;

import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelSpec;
import dev.adm.models.zoo.ModelZoo;
import dev.adm.models.zoo.OutputStride;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Segmentation models by name, {@code <head>-<backbone>[-os<N>]}: a decoder head from {@link #heads()} on any
 * classification zoo backbone, e.g. {@code fcn-resnet8} or {@code deeplabv3-resnet20}; the suffix {@code -os8}
 * dilates the backbone to output stride 8 ({@link OutputStride}), e.g. {@code deeplabv3-resnet18_imagenet-os8}.
 */
public final class SegmentationZoo {
    /** A decoder head that turns a zoo classifier into a segmentation network. */
    public record Head(String name, String description, BiFunction<ModelSpec, ModelConfig, SegmentationNet> builder) {
    }

    private static final Map<String, Head> HEADS = new LinkedHashMap<>();
    private static final Pattern OUTPUT_STRIDE = Pattern.compile("(.+)-os(\\d+)");

    static {
        register(new Head("fcn", "FCN head: 3x3 conv + BN + ReLU, bilinear upsampling, 1x1 classifier", FcnHead::build));
        register(new Head("deeplabv3", "DeepLabV3: ASPP (rates 1,2,3 + image pooling), 3x3 conv, upsampling, 1x1 "
                + "classifier", DeepLabV3Head::build));
        register(new Head("psp", "PSPNet: pyramid pooling (levels dividing the map, of 1,2,4,8), 3x3 conv, "
                + "upsampling, 1x1 classifier", PspHead::build));
    }

    private SegmentationZoo() {
    }

    private static void register(Head head) {
        HEADS.put(head.name(), head);
    }

    /** The heads, in registration order. */
    public static Map<String, Head> heads() {
        return java.util.Collections.unmodifiableMap(HEADS);
    }

    /** Builds {@code <head>-<backbone>} for the input size and classes (background included) of {@code config}. */
    public static SegmentationNet build(String model, ModelConfig config) {
        return build(model, config, false);
    }

    /** As above; with {@code auxiliary}, plus an auxiliary FCN head on the second-to-last stage (tap {@code aux}). */
    public static SegmentationNet build(String model, ModelConfig config, boolean auxiliary) {
        SegmentationNet net = head(model).builder().apply(backbone(model), config);
        return auxiliary ? FcnHead.withAuxiliary(net, config) : net;
    }

    /** Fails with the naming rule and the choices unless {@code model} names a head and a zoo backbone. */
    public static void check(String model) {
        head(model);
        backbone(model);
    }

    private static Head head(String model) {
        int dash = model == null ? -1 : model.indexOf('-');
        Head head = dash > 0 ? HEADS.get(model.substring(0, dash)) : null;
        if (head == null) {
            throw new IllegalArgumentException("unknown segmentation model '" + model + "': name it <head>-<backbone>, "
                    + "with a head among " + HEADS.keySet() + " and a backbone from 'adm zoo' (e.g. fcn-resnet8)");
        }
        return head;
    }

    private static ModelSpec backbone(String model) {
        String name = model.substring(model.indexOf('-') + 1);
        Matcher dilated = OUTPUT_STRIDE.matcher(name);
        try {
            if (dilated.matches()) {
                return OutputStride.of(ModelZoo.get(dilated.group(1)), Integer.parseInt(dilated.group(2)));
            }
            return ModelZoo.get(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("segmentation model '" + model + "': " + e.getMessage(), e);
        }
    }
}
