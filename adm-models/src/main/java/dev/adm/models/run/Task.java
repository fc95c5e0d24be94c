package dev.adm.models.run;

import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.Role;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a task adds to a distillation run: its data, its networks, its per-epoch score and its exports.
 * {@link DistillationRun} does everything else the same way for every task (resume, engine, epochs, checkpoints,
 * reports). A task instance serves one run. {@link #name}, {@link #metric}, {@link #resumeSettings},
 * {@link #experimentTeacherFile} and {@link #experimentColumn} describe the task and may be called at any time;
 * the others need the data, so {@link #load} is called before them.
 */
public interface Task extends TrainingRun.Scoring {
    /** The task's name, in {@code results.json} and the resume settings ({@code classification}). */
    String name();

    /** The score every network gets after each epoch. */
    TrainingRun.Metric metric();

    /** The task's own settings a resumed run must share with its checkpoint (data, sizes). */
    Map<String, String> resumeSettings();

    /** The training data as the engine takes it, and what the engine needs to know about it. */
    record Data(StepBatches train, InputType[] inputTypes, long[] labelShape, boolean regressionTargets,
                String source) {
    }

    /** Loads the data; called once, before anything else. */
    Data load();

    /** How this task runs a registered method (segmentation adds the auxiliary heads' losses); by default unchanged. */
    default MethodAdapter methodAdapter() {
        return MethodAdapter.NONE;
    }

    /**
     * A network as the task builds or loads it: its graph, the vertex of its logits and its tap aliases (tap name
     * -> vertex).
     */
    record Network(ComputationGraph graph, String logitsVertex, Map<String, String> taps) {
        public Network {
            taps = Map.copyOf(taps);
        }
    }

    /**
     * A fresh network of a model the user named, for the network {@code name}; its updater anneals
     * {@code learningRate} over the run's epochs.
     */
    Network build(String model, String name, Role role, long seed, double learningRate);

    /** A trained model file, to be the frozen teacher. */
    Network loadTeacher(Path file);

    /** Every network's score on the held-out data after an epoch. */
    @Override
    Map<String, Double> score(DistillationEngine engine);

    /** Saves a trained network in the task's plain DL4J form (no taps, no updater state). */
    void export(ComputationGraph graph, String network, Path file);

    /**
     * What a finished run reports beyond its history.
     *
     * @param finalScores each network's final score
     * @param details     further final numbers per network, by display name (e.g. {@code pixel accuracy})
     * @param results     further entries of {@code results.json}
     */
    record Outcome(Map<String, Double> finalScores, Map<String, Map<String, Double>> details,
                   Map<String, Object> results) {
    }

    /** After the last epoch and the exports: the final evaluation and any further outputs in {@code outDir}. */
    Outcome finish(DistillationEngine engine, List<EpochRecord> history, Path outDir);

    /** The file of a finished {@code baseline} run that offline methods of an experiment load as their teacher. */
    String experimentTeacherFile();

    /** A further column of an experiment's table, from each run's {@code results.json}; null for none. */
    default ExperimentRunner.Extra experimentColumn() {
        return null;
    }
}
