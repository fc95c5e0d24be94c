package dev.adm.core;

import com.google.common.base.Preconditions;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies the training state of one graph into another with the same layers (by name): parameters, updater state,
 * iteration and epoch counts, and score. Layers only one of the graphs has are left alone, so the engine's form of
 * a network (extra tap outputs, a dense head instead of a softmax output layer, a method's added regressor) and the
 * user's plain classifier stay in step.
 */
final class StateCopy {
    private final ComputationGraph from;
    private final ComputationGraph to;
    private final List<INDArray[]> pairs = new ArrayList<>(); // {source view, destination view}

    private StateCopy(ComputationGraph from, ComputationGraph to) {
        this.from = from;
        this.to = to;
    }

    /** The copy from {@code from} into {@code to}, planned once: every pair of views is fixed. */
    static StateCopy between(ComputationGraph from, ComputationGraph to) {
        StateCopy copy = new StateCopy(from, to);
        try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            Map<String, Slot> source = slots(from);
            Map<String, Slot> target = slots(to);
            if (sameLayout(source, target) && from.numParams() == to.numParams()) {
                copy.pairs.add(new INDArray[]{from.params(), to.params()});
                INDArray a = stateOf(from);
                INDArray b = stateOf(to);
                if (a != null && b != null && a.length() == b.length()) {
                    copy.pairs.add(new INDArray[]{a, b});
                }
                return copy;
            }
            target.forEach((key, slot) -> {
                Slot s = source.get(key);
                if (s != null) {
                    Preconditions.checkState(s.param.length() == slot.param.length(), "parameter %s has %s values in "
                            + "one graph and %s in the other", key, s.param.length(), slot.param.length());
                    Preconditions.checkState(s.state.size() == slot.state.size(), "parameter %s has different "
                            + "updaters in the two graphs", key);
                    copy.pairs.add(new INDArray[]{s.param, slot.param});
                    for (int i = 0; i < s.state.size(); i++) {
                        copy.pairs.add(new INDArray[]{s.state.get(i), slot.state.get(i)});
                    }
                }
            });
        }
        return copy;
    }

    void run() {
        for (INDArray[] p : pairs) {
            p[1].assign(p[0]);
        }
        to.getConfiguration().setIterationCount(from.getConfiguration().getIterationCount());
        to.getConfiguration().setEpochCount(from.getConfiguration().getEpochCount());
        to.setScore(from.score());
    }

    /**
     * One parameter's view and its updater-state views. DL4J lays a block of parameters sharing one updater
     * configuration out as {@code k} consecutive state segments (Adam's {@code m}, then {@code v}), each as long as
     * the block, so a parameter's state is its own range in every segment.
     */
    private record Slot(long start, long blockStart, INDArray param, List<INDArray> state) {
    }

    private static Map<String, Slot> slots(ComputationGraph graph) {
        BaseMultiLayerUpdater<?> updater = (BaseMultiLayerUpdater<?>) graph.getUpdater();
        INDArray state = stateOf(graph);
        Map<String, Slot> slots = new LinkedHashMap<>();
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            long n = block.getParamOffsetEnd() - block.getParamOffsetStart();
            long stateLength = block.getUpdaterViewOffsetEnd() - block.getUpdaterViewOffsetStart();
            long segments = n == 0 || state == null ? 0 : stateLength / n;
            for (UpdaterBlock.ParamState p : block.getLayersAndVariablesInBlock()) {
                long offset = p.getParamOffsetStart() - block.getParamOffsetStart();
                long length = p.getParamOffsetEnd() - p.getParamOffsetStart();
                List<INDArray> views = new ArrayList<>();
                for (long j = 0; j < segments && length > 0; j++) {
                    long at = block.getUpdaterViewOffsetStart() + j * n + offset;
                    views.add(state.get(NDArrayIndex.interval(at, at + length)));
                }
                String key = p.getLayer().getConfig().getLayerName() + "/" + p.getParamName();
                INDArray param = p.getParamView();
                if (param != null && param.length() > 0) {
                    slots.put(key, new Slot(p.getParamOffsetStart(), block.getUpdaterViewOffsetStart() + offset,
                            param, views));
                }
            }
        }
        return slots;
    }

    /** The flat updater state of a graph, or null for an updater without state (plain SGD). */
    private static INDArray stateOf(ComputationGraph graph) {
        INDArray s = graph.getUpdater().getStateViewArray();
        return s == null || s.length() == 0 ? null : s.reshape(s.length());
    }

    /** Whether both graphs hold the same parameters at the same offsets, so one flat copy does. */
    private static boolean sameLayout(Map<String, Slot> a, Map<String, Slot> b) {
        if (!List.copyOf(a.keySet()).equals(List.copyOf(b.keySet()))) {
            return false;
        }
        for (Map.Entry<String, Slot> e : a.entrySet()) {
            Slot other = b.get(e.getKey());
            if (e.getValue().start() != other.start() || e.getValue().blockStart() != other.blockStart()
                    || e.getValue().param().length() != other.param().length()
                    || e.getValue().state().size() != other.state().size()) {
                return false;
            }
        }
        return true;
    }
}
