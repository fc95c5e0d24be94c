package dev.adm.cli;

import dev.adm.core.backend.Backend;
import dev.adm.core.parity.LossHarness;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code adm loss}: one method's losses and gradients on tensors from .npy files (PyTorch parity checks). */
@Command(name = "loss", mixinStandardHelpOptions = true,
        description = {"Evaluate a method's losses and input gradients on tensors from .npy files.",
                "Inputs: labels.npy [B] int; student_logits.npy, teacher_logits.npy [B,K]; student_feat.npy, "
                        + "teacher_feat.npy [B,C,H,W]; or a linear head student_head_w.npy [C,K] + student_head_b.npy "
                        + "[K] (then z = mean_hw(F) @ W + b and the logit files are not read).",
                "Outputs: loss.json and grad_<input>.npy for every input a network's own total depends on."})
final class LossCommand implements Callable<Integer> {
    @Option(names = "--method", required = true, description = "method name (see adm methods)")
    String method;
    @Option(names = "--inputs", required = true, description = "directory of .npy inputs")
    Path inputs;
    @Option(names = "--out", required = true, description = "directory for loss.json and the gradients")
    Path out;
    @Option(names = "--param", description = "method parameter or step scalar key=value (e.g. T=4, warmup_factor=0.5)")
    Map<String, String> params = new LinkedHashMap<>();

    @Override
    public Integer call() {
        Backend.initialize();
        LossHarness.Result r = new LossHarness(inputs).evaluate(method, params);
        LossHarness.write(r, out);
        System.out.println("| value | |\n|---|---:|");
        r.totals().forEach((k, v) -> System.out.printf(Locale.ROOT, "| total/%s | %.8g |%n", k, v));
        r.terms().forEach((k, v) -> System.out.printf(Locale.ROOT, "| %s | %.8g |%n", k, v));
        System.out.println("wrote " + out.resolve("loss.json") + " and " + r.gradients().size() + " gradient file(s)");
        return 0;
    }
}
