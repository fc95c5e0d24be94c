package dev.adm.spark;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.methods.MethodRegistry;
import dev.adm.models.run.MethodAdapter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Everything an executor needs to build the driver's engine: the method by registry name and parameters (and how
 * the task adapts it), every
 * participant's settings and its graph as {@link ModelSerializer} bytes, the input and label shapes and the random
 * seed. Sent to the executors once per fit (a Spark broadcast); the trained state then
 * travels as {@link EngineState}.
 */
public final class EngineBlueprint implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String id = UUID.randomUUID().toString();
    private final String method;
    private final LinkedHashMap<String, String> methodParams;
    private final ArrayList<NetworkBlueprint> networks;
    private final InputType[] inputTypes;
    private final long[] labelShape;
    private final boolean targets;
    private final long randomSeed;
    private final MethodAdapter adapter;

    private record NetworkBlueprint(String name, Role role, boolean trainable, String logits,
                                    LinkedHashMap<String, String> taps, String inputNetwork, String inputTap,
                                    boolean batchStatistics, byte[] graph) implements Serializable {
    }

    private EngineBlueprint(String method, Map<String, String> methodParams, List<NetworkBlueprint> networks,
                            InputType[] inputTypes, long[] labelShape, boolean targets, long randomSeed,
                            MethodAdapter adapter) {
        this.method = method;
        this.methodParams = new LinkedHashMap<>(methodParams);
        this.networks = new ArrayList<>(networks);
        this.inputTypes = inputTypes.clone();
        this.labelShape = labelShape.clone();
        this.targets = targets;
        this.randomSeed = randomSeed;
        this.adapter = adapter;
    }

    /**
     * The blueprint of an engine of {@code method} (a {@link MethodRegistry} name with its parameters) over
     * {@code participants} as the user gives them (the method adds its own networks on every machine the same
     * way); classification labels of {@code classes} classes on inputs of {@code inputTypes}.
     */
    public static EngineBlueprint of(String method, Map<String, String> methodParams, List<Participant> participants,
                                     InputType[] inputTypes, long[] labelShape, boolean targets) {
        MethodRegistry.create(method, methodParams); // an unknown name or parameter fails here, on the driver
        Preconditions.checkArgument(!participants.isEmpty(), "no networks given");
        List<NetworkBlueprint> nets = new ArrayList<>();
        for (Participant p : participants) {
            String inputNetwork = p.inputNetwork();
            nets.add(new NetworkBlueprint(p.name(), p.role(), p.trainable(), p.logitsVertex(),
                    new LinkedHashMap<>(p.tapAliases()), inputNetwork, inputNetwork == null ? null : p.inputTap(),
                    p.batchStatistics(), bytes(p.graph())));
        }
        return new EngineBlueprint(method, methodParams, nets, inputTypes, labelShape, targets, 0, MethodAdapter.NONE);
    }

    /** The same blueprint with the seed of the engine's random draws ({@link DistillationEngine#setRandomSeed}). */
    public EngineBlueprint withRandomSeed(long seed) {
        return new EngineBlueprint(method, methodParams, networks, inputTypes, labelShape, targets, seed, adapter);
    }

    /** The same blueprint with the method adapted as a task runs it ({@code Task#methodAdapter}) on every machine. */
    public EngineBlueprint withMethodAdapter(MethodAdapter adapter) {
        return new EngineBlueprint(method, methodParams, networks, inputTypes, labelShape, targets, randomSeed,
                Preconditions.checkNotNull(adapter, "method adapter"));
    }

    long randomSeed() {
        return randomSeed;
    }

    /** Identifies this blueprint among those an executor has built engines for. */
    String id() {
        return id;
    }

    /** A new engine over fresh copies of the participants' graphs, with the driver's random seed. */
    public DistillationEngine build() {
        List<Participant> participants = new ArrayList<>();
        for (NetworkBlueprint n : networks) {
            Participant.Builder b = Participant.builder(n.name(), graph(n.graph())).role(n.role())
                    .trainable(n.trainable()).taps(n.taps()).batchStatistics(n.batchStatistics());
            if (n.logits() != null) {
                b.logits(n.logits());
            }
            if (n.inputNetwork() != null) {
                b.input(n.inputNetwork(), n.inputTap());
            }
            participants.add(b.build());
        }
        DistillationEngine engine = new DistillationEngine(adapter.adapt(MethodRegistry.create(method, methodParams)),
                participants, inputTypes, labelShape, targets, Map.of());
        engine.setRandomSeed(randomSeed);
        return engine;
    }

    private static byte[] bytes(ComputationGraph graph) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ModelSerializer.writeModel(graph, out, true);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise a network", e);
        }
    }

    private static ComputationGraph graph(byte[] bytes) {
        try {
            return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a network sent by the driver", e);
        }
    }
}
