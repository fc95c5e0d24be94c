package dev.adm.core.parity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LossGraph;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.engine.NetworkTensors;
import dev.adm.core.engine.Role;
import dev.adm.core.methods.MethodRegistry;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates one method's losses, and their gradients, on tensors read from {@code .npy} files: the engine's own
 * {@link LossGraph}, fed from the files instead of forward passes, so a user porting from PyTorch can compare
 * numbers. Computed in double precision.
 *
 * <p>Inputs per network {@code n} in {@code student, teacher}: {@code n_logits.npy} [B,K] or, when a linear
 * head is given ({@code n_head_w.npy} [C,K], {@code n_head_b.npy} [K]), logits {@code mean_hw(F) @ W + b} from
 * {@code n_feat.npy} [B,C,H,W]; {@code labels.npy} [B] integer ([B,H,W] per pixel, with the ignore label
 * {@value #IGNORE_LABEL}). A tap {@code t} is the file {@code n_t.npy} ({@code feat}, {@code aux}, ...), the tap
 * {@code logits} the logits. A teacher trains
 * unless the method freezes it. Outputs: {@code loss.json} and {@code grad_<input file>} for every input a
 * network's own total depends on.
 */
public final class LossHarness {
    /** What an evaluation produced. */
    public record Result(Map<String, Double> totals, Map<String, Double> terms, Map<String, INDArray> gradients) {
    }

    /** Harness parameter: the label value of ignored pixels in dense {@code labels.npy} [B,H,W] (default 255). */
    public static final String IGNORE_LABEL = "ignore_label";
    private static final List<String> NETWORKS = List.of("student", "teacher");

    private final Path inputs;
    private final Map<String, INDArray> values = new LinkedHashMap<>(); // file stem -> array (double / long)

    public LossHarness(Path inputs) {
        Preconditions.checkArgument(Files.isDirectory(inputs), "inputs directory %s does not exist", inputs);
        this.inputs = inputs;
        try (var files = Files.list(inputs)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".npy")).sorted().toList()) {
                String stem = f.getFileName().toString().replaceFirst("\\.npy$", "");
                values.put(stem, NpyFiles.read(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + inputs + ": " + e.getMessage(), e);
        }
        Preconditions.checkArgument(values.containsKey("labels"), "%s has no labels.npy ([B] integer class indices)",
                inputs);
        Preconditions.checkArgument(values.containsKey("student_logits") || values.containsKey("student_head_w"),
                "%s has neither student_logits.npy nor student_head_w.npy + student_feat.npy", inputs);
    }

    /**
     * Evaluates {@code method} with {@code params}: the method's own parameters, plus values for the scalars it
     * reads per step (for example DKD's {@code warmup_factor}).
     */
    public Result evaluate(String method, Map<String, String> params) {
        var entry = MethodRegistry.entry(method);
        Map<String, String> methodParams = new LinkedHashMap<>();
        Map<String, Double> scalars = new LinkedHashMap<>();
        Set<String> own = new LinkedHashSet<>();
        entry.params().forEach(p -> own.add(p.key()));
        int ignoreLabel = 255;
        for (var e : params.entrySet()) {
            String k = e.getKey();
            String v = e.getValue();
            if (own.contains(k)) {
                methodParams.put(k, v);
            } else if (k.equals(IGNORE_LABEL)) {
                try {
                    ignoreLabel = Integer.parseInt(v);
                } catch (NumberFormatException x) {
                    throw new IllegalArgumentException(IGNORE_LABEL + " must be an integer, got '" + v + "'");
                }
            } else {
                try {
                    scalars.put(k, Double.parseDouble(v));
                } catch (NumberFormatException x) {
                    throw new IllegalArgumentException("parameter " + k + "=" + v + " is not one of " + method
                            + "'s parameters " + own + " and not a number for a step scalar");
                }
            }
        }
        DistillationMethod m = entry.create(methodParams);
        INDArray y = oneHot(values.get("labels"), ignoreLabel);
        checkConsistent(y);
        List<NpyNetwork> networks = new ArrayList<>();
        for (String n : NETWORKS) {
            if (values.keySet().stream().anyMatch(k -> k.startsWith(n + "_"))) {
                boolean trains = n.equals("student") || !m.freezesTeacher();
                networks.add(new NpyNetwork(new NetworkRef(n, n.equals("student") ? Role.STUDENT : Role.TEACHER,
                        trains, networks.size()), values, inputs, method));
            }
        }
        long[] labelShape = Arrays.copyOfRange(y.shape(), 1, y.rank());
        LossGraph graph = new LossGraph(m, networks, labelShape, false, DataType.DOUBLE, " in " + inputs
                + " (give its tensors as <network>_logits.npy, <network>_feat.npy, ...)");
        Set<String> unused = new LinkedHashSet<>(scalars.keySet());
        unused.removeAll(graph.scalars());
        Preconditions.checkArgument(unused.isEmpty(), "parameters %s are neither %s's parameters %s nor scalars it "
                + "reads %s", unused, method, own, graph.scalars());
        for (String s : graph.scalars()) {
            Preconditions.checkArgument(scalars.containsKey(s), "method '%s' reads the step scalar '%s': pass --param "
                    + "%s=VALUE", method, s, s);
        }
        Map<String, NetworkTensors> tensors = new LinkedHashMap<>();
        networks.forEach(n -> tensors.put(n.ref().name(), n.tensors(graph.taps(n.ref().name()),
                graph.readsHead(n.ref().name()))));
        LossGraph.Evaluation e = graph.evaluate(graph.feed(tensors, y, scalars), true);
        Map<String, INDArray> grads = new LinkedHashMap<>();
        for (NpyNetwork n : networks) {
            if (e.gradients().containsKey(n.ref().name())) {
                grads.putAll(n.fileGradients(e.gradients().get(n.ref().name())));
            }
        }
        return new Result(e.result().totals(), e.result().terms(), grads);
    }

    /**
     * Fails, naming the file, on a tensor that cannot belong with the labels: NaN or infinite values, another batch
     * size, logits or a head of another class count, per-pixel logits of another size.
     */
    private void checkConsistent(INDArray oneHot) {
        long batch = oneHot.size(0);
        long classes = oneHot.size(1);
        values.forEach((stem, v) -> {
            if (stem.equals("labels")) {
                return;
            }
            boolean finite = v.dataType() != DataType.DOUBLE || !BooleanIndexing.or(v, Conditions.notFinite());
            Preconditions.checkArgument(finite, "%s.npy holds NaN or infinite values in %s; give finite tensors", stem,
                    inputs);
            boolean head = stem.endsWith("_head_w") || stem.endsWith("_head_b");
            Preconditions.checkArgument(head || v.size(0) == batch, "%s.npy has %s rows but labels.npy has %s; give "
                    + "every tensor for the same batch", stem, v.size(0), batch);
            long k = stem.endsWith("_head_b") ? v.size(0) : stem.endsWith("_head_w") || stem.endsWith("_logits")
                    ? v.size(1) : classes;
            Preconditions.checkArgument(k == classes, "%s.npy has %s classes but the student's logits have %s; give "
                    + "the teacher and the student the same classes", stem, k, classes);
            if (stem.endsWith("_logits") && oneHot.rank() == 4) {
                Preconditions.checkArgument(v.rank() == 4 && v.size(2) == oneHot.size(2) && v.size(3) == oneHot.size(3),
                        "%s.npy is %s but labels.npy is %s per image; per-pixel logits must have the labels' size",
                        stem, Arrays.toString(v.shape()), Arrays.toString(new long[]{oneHot.size(2), oneHot.size(3)}));
            }
        });
    }

    /**
     * One-hot labels {@code [B,K]} from {@code labels.npy} [B], or {@code [B,K,H,W]} from [B,H,W] per pixel, where an
     * ignored pixel is all zeros; K is read off the student's logits (or head).
     */
    private INDArray oneHot(INDArray y, int ignoreLabel) {
        Preconditions.checkArgument((y.rank() == 1 || y.rank() == 3) && y.dataType() == DataType.LONG,
                "labels.npy must be integer class indices, [B] or [B,H,W] per pixel; got %s %s", y.dataType(),
                Arrays.toString(y.shape()));
        INDArray k = values.containsKey("student_logits") ? values.get("student_logits")
                : values.get("student_head_b");
        Preconditions.checkArgument(k != null && k.rank() >= 1, "cannot tell the class count: give "
                + "student_logits.npy [B,K] ([B,K,H,W] per pixel) or student_head_b.npy [K]");
        int numClasses = (int) (y.rank() == 3 ? k.size(1) : k.size(k.rank() - 1));
        long[] shape = y.rank() == 1 ? new long[]{y.size(0), numClasses}
                : new long[]{y.size(0), numClasses, y.size(1), y.size(2)};
        INDArray oneHot = Nd4j.zeros(DataType.DOUBLE, shape);
        long pixels = y.rank() == 1 ? 1 : y.size(1) * y.size(2);
        for (long i = 0; i < y.length(); i++) {
            long c = y.getLong(i);
            if (y.rank() == 3 && c == ignoreLabel) {
                continue; // an ignored pixel: all zeros
            }
            Preconditions.checkArgument(c >= 0 && c < numClasses, "labels.npy[%s] = %s is outside [0, %s)%s", i, c,
                    numClasses, y.rank() == 3 ? " and is not the ignore label " + ignoreLabel : "");
            long b = i / pixels;
            long p = i % pixels;
            if (y.rank() == 1) {
                oneHot.putScalar(b, c, 1.0);
            } else {
                oneHot.putScalar(new long[]{b, c, p / y.size(2), p % y.size(2)}, 1.0);
            }
        }
        return oneHot;
    }

    /** Writes {@code loss.json} and the gradient files into {@code out}. */
    public static void write(Result r, Path out) {
        try {
            Files.createDirectories(out);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("student", r.totals().get("student"));
            json.put("teacher", r.totals().get("teacher"));
            json.put("terms", r.terms());
            Path tmp = out.resolve(".loss.json.tmp");
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), json);
            Files.move(tmp, out.resolve("loss.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
        r.gradients().forEach((stem, g) -> NpyFiles.writeFloat32(out.resolve("grad_" + stem + ".npy"), g));
    }
}
