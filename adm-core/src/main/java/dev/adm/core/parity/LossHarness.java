package dev.adm.core.parity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.engine.Role;
import dev.adm.core.methods.MethodRegistry;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
 * Evaluates one method's losses, and their gradients, on tensors read from {@code .npy} files: the same
 * method classes, through a {@link LossScope} whose networks are the files, so a user porting from PyTorch can
 * compare numbers. Computed in double precision.
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

    private static final String FEAT = "feat";
    private static final String LOGITS = "logits";
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
            if (e.getKey().equals(IGNORE_LABEL) && !own.contains(IGNORE_LABEL)) {
                try {
                    ignoreLabel = Integer.parseInt(e.getValue());
                } catch (NumberFormatException x) {
                    throw new IllegalArgumentException(IGNORE_LABEL + " must be an integer, got '" + e.getValue() + "'");
                }
            }
        }
        params.forEach((k, v) -> {
            if (k.equals(IGNORE_LABEL) && !own.contains(IGNORE_LABEL)) {
                return;
            }
            if (own.contains(k)) {
                methodParams.put(k, v);
            } else {
                try {
                    scalars.put(k, Double.parseDouble(v));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("parameter " + k + "=" + v + " is not one of " + method
                            + "'s parameters " + own + " and not a number for a step scalar");
                }
            }
        });
        DistillationMethod m = entry.create(methodParams);
        Scope scope = new Scope(m, ignoreLabel);
        m.defineLosses(scope);
        Set<String> unused = new LinkedHashSet<>(scalars.keySet());
        unused.removeAll(scope.scalars);
        Preconditions.checkArgument(unused.isEmpty(), "parameters %s are neither %s's parameters %s nor scalars it "
                + "reads %s", unused, method, own, scope.scalars);
        return scope.run(scalars);
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

    /** The networks are the files; every input appears as a differentiable and a stop-gradient placeholder. */
    private final class Scope implements LossScope {
        private final DistillationMethod method;
        private final SameDiff sd = SameDiff.create();
        private final List<NetworkRef> refs = new ArrayList<>();
        private final Map<String, INDArray> feeds = new LinkedHashMap<>();
        private final Set<String> differentiable = new LinkedHashSet<>();
        private final Map<String, Map<String, SDVariable>> terms = new LinkedHashMap<>();
        private final Map<String, Map<String, Double>> weights = new LinkedHashMap<>();
        private final Set<String> scalars = new LinkedHashSet<>();
        private final int numClasses;
        private final long[] labelShape;
        private final SDVariable labels;

        Scope(DistillationMethod method, int ignoreLabel) {
            this.method = method;
            for (String n : NETWORKS) {
                String prefix = n + "_";
                if (values.keySet().stream().anyMatch(k -> k.startsWith(prefix))) {
                    boolean trains = n.equals("student") || !method.freezesTeacher();
                    refs.add(new NetworkRef(n, n.equals("student") ? Role.STUDENT : Role.TEACHER, trains, refs.size()));
                }
            }
            INDArray y = values.get("labels");
            Preconditions.checkArgument((y.rank() == 1 || y.rank() == 3) && y.dataType() == DataType.LONG,
                    "labels.npy must be integer class indices, [B] or [B,H,W] per pixel; got %s %s", y.dataType(),
                    Arrays.toString(y.shape()));
            INDArray k = values.containsKey("student_logits") ? values.get("student_logits")
                    : values.get("student_head_b");
            Preconditions.checkArgument(k != null && k.rank() >= 1, "cannot tell the class count: give "
                    + "student_logits.npy [B,K] ([B,K,H,W] per pixel) or student_head_b.npy [K]");
            numClasses = (int) (y.rank() == 3 ? k.size(1) : k.size(k.rank() - 1));
            labelShape = y.rank() == 1 ? new long[]{numClasses} : new long[]{numClasses, y.size(1), y.size(2)};
            long[] oneHotShape = new long[labelShape.length + 1];
            oneHotShape[0] = y.size(0);
            System.arraycopy(labelShape, 0, oneHotShape, 1, labelShape.length);
            INDArray oneHot = Nd4j.zeros(DataType.DOUBLE, oneHotShape);
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
            long[] placeholder = oneHotShape.clone();
            placeholder[0] = -1;
            labels = sd.placeHolder("labels", DataType.DOUBLE, placeholder);
            feeds.put("labels", oneHot);
        }

        @Override
        public long[] labelShape() {
            return labelShape.clone();
        }

        private SDVariable input(NetworkRef n, String kind, boolean detached) {
            String stem = n.name() + "_" + kind;
            INDArray v = values.get(stem);
            Preconditions.checkArgument(v != null, "method '%s' needs %s.npy in %s", method.name(), stem, inputs);
            Preconditions.checkArgument(v.dataType() == DataType.DOUBLE, "%s.npy must hold floating-point values",
                    stem);
            boolean sg = detached || !n.trainable();
            String name = sg ? stem + "/sg" : stem;
            if (!sd.hasVariable(name)) {
                sd.placeHolder(name, DataType.DOUBLE, v.shape());
                feeds.put(name, v);
                if (!sg) {
                    differentiable.add(stem);
                }
            }
            return sd.getVariable(name);
        }

        private boolean hasHead(NetworkRef n) {
            return values.containsKey(n.name() + "_head_w");
        }

        private SDVariable head(NetworkRef n, SDVariable pooled, boolean detached) {
            Preconditions.checkArgument(hasHead(n), "method '%s' applies the %s's classifier head to re-pooled "
                    + "features: give %s_head_w.npy [C,K] and %s_head_b.npy [K]", method.name(), n.name(), n.name(),
                    n.name());
            SDVariable b = input(n, "head_b", detached);
            return pooled.mmul(input(n, "head_w", detached)).add(sd.reshape(b, 1, numClasses));
        }

        private SDVariable logits(NetworkRef n, boolean detached) {
            if (!hasHead(n)) {
                return input(n, "logits", detached);
            }
            return head(n, input(n, FEAT, detached).mean(2, 3), detached);
        }

        @Override
        public SameDiff sameDiff() {
            return sd;
        }

        @Override
        public int numClasses() {
            return numClasses;
        }

        @Override
        public List<NetworkRef> networks() {
            return List.copyOf(refs);
        }

        @Override
        public NetworkRef single(Role role) {
            List<NetworkRef> found = networks(role);
            Preconditions.checkArgument(found.size() == 1, "method '%s' needs the %s's tensors in %s", method.name(),
                    role.name().toLowerCase(java.util.Locale.ROOT), inputs);
            return found.get(0);
        }

        @Override
        public SDVariable labels() {
            return labels;
        }

        @Override
        public SDVariable logits(NetworkRef network) {
            return logits(network, false);
        }

        @Override
        public SDVariable detachedLogits(NetworkRef network) {
            return logits(network, true);
        }

        @Override
        public SDVariable tap(NetworkRef network, String tap) {
            return tap.equals(LOGITS) ? logits(network, false) : input(network, checkTap(network, tap), false);
        }

        @Override
        public SDVariable detachedTap(NetworkRef network, String tap) {
            return tap.equals(LOGITS) ? logits(network, true) : input(network, checkTap(network, tap), true);
        }

        /** A tap is the file {@code <network>_<tap>.npy}; {@code logits} is the network's logits. */
        private String checkTap(NetworkRef network, String tap) {
            Preconditions.checkArgument(values.containsKey(network.name() + "_" + tap), "method '%s' reads tap '%s' of "
                    + "the %s: give %s_%s.npy in %s (the harness reads a tap <network>_<tap>.npy; logits are the "
                    + "logits)", method.name(), tap, network.name(), network.name(), tap, inputs);
            return tap;
        }

        /** The value of a tap, for precomputed inputs. */
        private INDArray tapValue(NetworkRef network, String tap) {
            if (tap.equals(LOGITS) && !hasHead(network)) {
                return values.get(network.name() + "_" + LOGITS);
            }
            Preconditions.checkArgument(!tap.equals(LOGITS), "method '%s' precomputes from the %s's logits: give "
                    + "%s_logits.npy", method.name(), network.name(), network.name());
            return values.get(network.name() + "_" + checkTap(network, tap));
        }

        @Override
        public boolean hasTap(NetworkRef network, String tap) {
            return values.containsKey(network.name() + "_" + tap) || (tap.equals(LOGITS) && hasHead(network));
        }

        @Override
        public long[] tapShape(NetworkRef network, String tap) {
            INDArray f = tap.equals(LOGITS) && hasHead(network) ? null : tapValue(network, tap);
            Preconditions.checkArgument(f != null, "method '%s' reads the %s's logits as a map: give %s_logits.npy",
                    method.name(), network.name(), network.name());
            return Arrays.copyOfRange(f.shape(), 1, f.rank());
        }

        @Override
        public SDVariable classifier(NetworkRef network, SDVariable pooled) {
            return head(network, pooled, false);
        }

        @Override
        public void checkFeedsClassifier(NetworkRef network, String tap) {
            Preconditions.checkArgument(tap.equals(FEAT), "method '%s': the harness's head pools the feat map, not "
                    + "'%s'", method.name(), tap);
            checkTap(network, tap);
            Preconditions.checkArgument(hasHead(network), "method '%s' needs %s_head_w.npy and %s_head_b.npy",
                    method.name(), network.name(), network.name());
        }

        @Override
        public SDVariable precomputedWithLabels(String name, long[] shape, List<TapRef> tapInputs,
                                                java.util.function.BiFunction<List<INDArray>, INDArray, INDArray> compute) {
            String placeholder = name + "/sg";
            if (!sd.hasVariable(placeholder)) {
                List<INDArray> args = tapInputs.stream().map(t -> tapValue(t.network(), t.tap())).toList();
                INDArray value = compute.apply(args, feeds.get("labels")).castTo(DataType.DOUBLE);
                sd.placeHolder(placeholder, DataType.DOUBLE, value.shape());
                feeds.put(placeholder, value);
            }
            return sd.getVariable(placeholder);
        }

        @Override
        public SDVariable scalar(String name) {
            if (scalars.add(name)) {
                return sd.placeHolder(name, DataType.DOUBLE);
            }
            return sd.getVariable(name);
        }

        @Override
        public void updateWhen(NetworkRef network, SDVariable condition) {
            terms.computeIfAbsent(network.name(), k -> new LinkedHashMap<>()).put("update", condition);
            weights.computeIfAbsent(network.name(), k -> new LinkedHashMap<>()).put("update", 0.0);
        }

        @Override
        public void addTerm(NetworkRef network, String term, SDVariable value, double weight) {
            Preconditions.checkArgument(network.trainable(), "method '%s' adds '%s' to frozen network '%s'",
                    method.name(), term, network.name());
            terms.computeIfAbsent(network.name(), k -> new LinkedHashMap<>()).put(term, value);
            weights.computeIfAbsent(network.name(), k -> new LinkedHashMap<>()).put(term, weight);
        }

        Result run(Map<String, Double> scalarValues) {
            Map<String, INDArray> in = new LinkedHashMap<>(feeds);
            for (String s : scalars) {
                Double v = scalarValues.get(s);
                Preconditions.checkArgument(v != null, "method '%s' reads the step scalar '%s': pass --param %s=VALUE",
                        method.name(), s, s);
                in.put(s, Nd4j.scalar(DataType.DOUBLE, v));
            }
            List<String> outputs = new ArrayList<>();
            Map<String, String> totalNames = new LinkedHashMap<>();
            Map<String, String> termNames = new LinkedHashMap<>();
            terms.forEach((net, map) -> {
                SDVariable total = null;
                for (var t : map.entrySet()) {
                    termNames.put(t.getKey() + "/" + net, t.getValue().name());
                    if (!t.getKey().equals("update")) {
                        SDVariable w = t.getValue().mul(weights.get(net).get(t.getKey()));
                        total = total == null ? w : total.add(w);
                    }
                }
                totalNames.put(net, total.rename(net + "/total").name());
            });
            outputs.addAll(termNames.values());
            outputs.addAll(totalNames.values());
            sd.setLossVariables(totalNames.values().toArray(new String[0]));
            DistillationEngine.createGradFunction(sd, new ArrayList<>(differentiable));
            var og = sd.calculateGradientsAndOutputs(in, outputs, new ArrayList<>(differentiable));
            Map<String, Double> totals = new LinkedHashMap<>();
            totalNames.forEach((net, v) -> totals.put(net, og.getOutputs().get(v).getDouble(0)));
            Map<String, Double> termValues = new LinkedHashMap<>();
            termNames.forEach((k, v) -> termValues.put(k, og.getOutputs().get(v).getDouble(0)));
            Map<String, INDArray> grads = new LinkedHashMap<>();
            for (String stem : differentiable) {
                INDArray g = og.getGradients().get(stem);
                grads.put(stem, g == null ? Nd4j.zerosLike(values.get(stem)) : g);
            }
            return new Result(totals, termValues, grads);
        }
    }
}
