package dev.adm.core.parity;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.NetworkGradients;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.engine.NetworkSignature;
import dev.adm.core.engine.NetworkTensors;
import dev.adm.core.engine.Taps;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network given as {@code .npy} files: {@code <name>_logits.npy}, any tap {@code t} as {@code <name>_t.npy}, or a
 * linear classifier head ({@code <name>_head_w.npy} [C,K], {@code <name>_head_b.npy} [K]) on {@code <name>_feat.npy}
 * [B,C,H,W] whose logits are {@code mean_hw(F) @ W + b}. For a head network the harness does by hand what DL4J's
 * backward pass does for a real one: it carries the gradient of the logits back into the map and the head.
 */
final class NpyNetwork implements NetworkSignature {
    static final String LOGITS = Taps.LOGITS;
    static final String FEAT = Taps.FEAT;

    private final NetworkRef ref;
    private final Map<String, INDArray> files; // file stem -> array
    private final Path dir;
    private final String method;

    NpyNetwork(NetworkRef ref, Map<String, INDArray> files, Path dir, String method) {
        this.ref = ref;
        this.files = files;
        this.dir = dir;
        this.method = method;
    }

    @Override
    public NetworkRef ref() {
        return ref;
    }

    private String stem(String kind) {
        return ref.name() + "_" + kind;
    }

    private boolean hasHead() {
        return files.containsKey(stem("head_w"));
    }

    private INDArray file(String kind) {
        INDArray v = files.get(stem(kind));
        Preconditions.checkArgument(v != null, "method '%s' needs %s.npy in %s", method, stem(kind), dir);
        Preconditions.checkArgument(v.dataType() == DataType.DOUBLE, "%s.npy must hold floating-point values",
                stem(kind));
        return v;
    }

    @Override
    public long[] logitsShape() {
        if (hasHead()) {
            return new long[]{file("head_w").size(1)};
        }
        INDArray z = file(LOGITS);
        return Arrays.copyOfRange(z.shape(), 1, z.rank());
    }

    @Override
    public boolean isLogits(String tap) {
        return tap.equals(LOGITS);
    }

    @Override
    public boolean hasTap(String tap) {
        return files.containsKey(stem(tap)) || (isLogits(tap) && hasHead());
    }

    @Override
    public long[] tapShape(String tap) {
        if (isLogits(tap)) {
            return logitsShape();
        }
        Preconditions.checkArgument(files.containsKey(stem(tap)), "method '%s' reads tap '%s' of the %s: give %s.npy "
                + "in %s (the harness reads a tap <network>_<tap>.npy; logits are the logits)", method, tap,
                ref.name(), stem(tap), dir);
        INDArray t = file(tap);
        return Arrays.copyOfRange(t.shape(), 1, t.rank());
    }

    @Override
    public Head head() {
        Preconditions.checkArgument(hasHead(), "method '%s' applies the %s's classifier head to re-pooled features: "
                + "give %s.npy [C,K] and %s.npy [K]", method, ref.name(), stem("head_w"), stem("head_b"));
        INDArray w = file("head_w");
        return new Head(w.size(0), w.size(1), true);
    }

    @Override
    public void checkFeedsClassifier(String tap) {
        Preconditions.checkArgument(tap.equals(FEAT), "method '%s': the harness's head pools the feat map, not '%s'",
                method, tap);
        tapShape(tap);
        head();
    }

    /** The tensors the loss graph reads: the taps it asked for, and the head when it re-applies it. */
    NetworkTensors tensors(List<String> taps, boolean readsHead) {
        Map<String, INDArray> t = new LinkedHashMap<>();
        taps.forEach(tap -> t.put(tap, file(tap)));
        INDArray logits = hasHead() ? pooled().mmul(file("head_w")).addRowVector(bias())
                : files.containsKey(stem(LOGITS)) ? file(LOGITS) : null; // a loss on the maps only needs no logits
        return new NetworkTensors(logits, t, readsHead ? file("head_w") : null, readsHead ? bias() : null);
    }

    private INDArray pooled() {
        return file(FEAT).mean(2, 3);
    }

    private INDArray bias() {
        return file("head_b").reshape(1, file("head_b").length());
    }

    /**
     * The gradient of the network's total with respect to each of its input files (by stem): the loss graph's
     * gradients, with those of the logits carried back through {@code mean_hw(F) @ W + b} for a head network.
     */
    Map<String, INDArray> fileGradients(NetworkGradients g) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        g.taps().forEach((tap, grad) -> out.put(stem(tap), grad.dup()));
        if (g.headWeight() != null) {
            out.put(stem("head_w"), g.headWeight().dup());
            out.put(stem("head_b"), g.headBias().reshape(file("head_b").shape()).dup());
        }
        if (g.logits() == null) {
            return out;
        }
        if (!hasHead()) {
            out.put(stem(LOGITS), g.logits());
            return out;
        }
        INDArray w = file("head_w");
        INDArray f = file(FEAT);
        out.merge(stem("head_w"), pooled().transpose().mmul(g.logits()), INDArray::add);
        out.merge(stem("head_b"), g.logits().sum(0).reshape(file("head_b").shape()), INDArray::add);
        INDArray perChannel = g.logits().mmul(w.transpose()).divi(f.size(2) * f.size(3)); // d mean_hw / d F = 1/HW
        INDArray viaLogits = Nd4j.zeros(f.dataType(), f.shape());
        Broadcast.add(viaLogits, perChannel, viaLogits, 0, 1);
        out.merge(stem(FEAT), viaLogits, INDArray::add);
        return out;
    }
}
