package dev.adm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adm.core.backend.Backend;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelSpec;
import dev.adm.models.zoo.ModelZoo;
import dev.adm.models.zoo.ZooInfo;
import dev.adm.segmentation.SegmentationZoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code adm zoo list} and {@code adm zoo info NAME}. */
@Command(name = "zoo", mixinStandardHelpOptions = true, description = "The model zoo.",
        subcommands = {ZooCommand.ListModels.class, ZooCommand.Info.class})
final class ZooCommand implements Runnable {
    @Override
    public void run() {
        throw new IllegalArgumentException("use: adm zoo list | adm zoo info NAME");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every model with a one-line description.")
    static final class ListModels implements Runnable {
        @Override
        public void run() {
            for (ModelSpec m : ModelZoo.all()) {
                System.out.printf("%-18s %s%n", m.name(), m.description());
            }
            System.out.printf("%nsegmentation models are <head>-<backbone>[-os8] (e.g. deeplabv3-resnet20, "
                    + "fcn-resnet18_imagenet-os8); heads:%n");
            SegmentationZoo.heads().values().forEach(h -> System.out.printf("%-18s %s%n", h.name(), h.description()));
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Parameter count, multiply-accumulates and every tap's shape of one model.")
    static final class Info implements Callable<Integer> {
        @Parameters(index = "0", description = "model name (adm zoo list)")
        String model;
        @Option(names = "--classes", defaultValue = "100", description = "default ${DEFAULT-VALUE}")
        int classes;
        @Option(names = "--channels", defaultValue = "3", description = "default ${DEFAULT-VALUE}")
        int channels;
        @Option(names = "--size", defaultValue = "32", description = "input height and width; default ${DEFAULT-VALUE}")
        int size;
        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            ModelSpec spec = ModelZoo.get(model);
            Backend.initialize();
            ZooInfo info = ZooInfo.of(spec, ModelConfig.builder().input(channels, size, size).classes(classes).build());
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("model", info.model());
                out.put("input", new int[]{channels, size, size});
                out.put("classes", classes);
                out.put("params", info.params());
                out.put("macs", info.macs());
                out.put("taps", info.taps());
                System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
            } else {
                System.out.printf(Locale.ROOT, "%s  (%s)%ninput %dx%dx%d, %d classes%nparameters %,d%n"
                                + "multiply-accumulates per image %,d (%.2f M)%ntaps:%n", info.model(), spec.description(),
                        channels, size, size, classes, info.params(), info.macs(), info.macs() / 1e6);
                info.taps().forEach((tap, shape) -> System.out.printf("  %-8s %s%n", tap, Arrays.toString(shape)));
            }
            return 0;
        }
    }
}
