package dev.adm.models.run;

import com.google.common.base.Preconditions;
import dev.adm.core.backend.Backend;
import dev.adm.core.backend.BackendInfo;
import dev.adm.core.backend.Seeds;
import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.LabelKind;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.methods.MethodRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One distillation run of any task, from its {@link TaskConfig}: builds the networks the settings name (a frozen
 * teacher from its file, then joint teachers, then students) and the engine, claims the run directory
 * ({@link RunDirectory}), trains the epochs with
 * {@link TrainingRun} (resume, checkpoints, {@code metrics.csv}, {@code curves.png}), and when the last epoch is done
 * exports every trained network and writes {@code results.json}. The {@link Task} supplies the rest.
 */
public final class DistillationRun {
    private static final Logger log = LoggerFactory.getLogger(DistillationRun.class);

    private DistillationRun() {
    }

    public static RunResult run(TaskConfig config) {
        RunSettings run = config.run();
        Task task = config.task();
        BackendInfo backend = Backend.initialize();
        Seeds.restart(run.seed());
        log.info("run config: {}", config);
        Task.Data data = task.load();
        log.info("data: {}", data.source());

        DistillationMethod registered = MethodRegistry.create(run.method(), run.methodParams());
        DistillationMethod method = task.methodAdapter().adapt(registered);
        LabelKind labels = LabelKind.of(data.labelShape(), data.regressionTargets());
        Preconditions.checkArgument(method.labelKinds().contains(labels), "%s does not run on %s; methods that do: %s",
                run.method(), labels.description(), String.join(", ", MethodRegistry.namesFor(labels)));
        TrainingRun.Spec spec = new TrainingRun.Spec(run.outDir(), run.method(), run.epochs(), run.stopAfter(),
                run.progress(), task.metric(), resumeSettings(config, task), run.checkpointEvery(), run.scoreEvery(),
                run.ema());
        TrainingRun.Start start = TrainingRun.start(spec, run.resume());
        List<Participant> participants = participants(run, task, method);
        try (StepRunner runner = run.spark() == null ? StepRunner.local()
                : DistributedTraining.named("spark").open(run, new DistributedTraining.Setup(run.method(),
                        run.methodParams(), task.methodAdapter(), participants, data.inputTypes(), data.labelShape(),
                        data.regressionTargets()))) {
            DistillationEngine engine = new DistillationEngine(method, participants, data.inputTypes(),
                    data.labelShape(), data.regressionTargets(), start.networks());
            StepBatches trainData = run.batches() == null ? data.train()
                    : ExportedBatches.open(run.batches(), runner.files()).checkFits(task.name(),
                            MinibatchExport.dataSettings(config, task), run.epochs(), data.inputTypes().length);
            RunDirectory.claim(run); // after every check: an overwritten run's files go only when this one can start
            engine.setRandomSeed(run.seed());
            if (run.spark() == null) {
                engine.setWorkers(run.workers()); // with Spark, the workers are its tasks
            }
            return train(config, task, data, trainData, backend, method, spec, start, engine, runner);
        }
    }

    private static RunResult train(TaskConfig config, Task task, Task.Data data, StepBatches trainData,
                                   BackendInfo backend,
                                   DistillationMethod method, TrainingRun.Spec spec, TrainingRun.Start start,
                                   DistillationEngine engine, StepRunner runner) {
        RunSettings run = config.run();
        double studentRate = learningRate(run, method, Role.STUDENT);
        List<EpochRecord> history = TrainingRun.train(spec, start, engine, trainData, runner,
                epoch -> LearningRates.cosineRate(studentRate, epoch, run.epochs()), task);
        double seconds = history.stream().mapToDouble(EpochRecord::seconds).sum();
        if (history.size() < run.epochs()) {
            return new RunResult(run.outDir(), history, TrainingRun.last(history), Map.of(), seconds);
        }
        for (Participant p : TrainingRun.exported(engine)) {
            task.export(engine.graph(p.name()), p.name(), run.outDir().resolve(p.name() + ".zip"));
        }
        Task.Outcome outcome = task.finish(engine, history, run.outDir());

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("task", task.name());
        results.put("method", run.method());
        results.put("methodParams", MethodRegistry.entry(run.method()).resolve(run.methodParams()));
        results.put("teacher", !run.teachers().isEmpty() ? String.join(",", run.teachers())
                : run.teacherCheckpoint() != null ? run.teacherCheckpoint().toString() : null);
        results.put("student", String.join(",", run.students()));
        results.put("epochs", run.epochs());
        results.put("batchSize", run.batchSize());
        Map<String, Double> rates = new LinkedHashMap<>();
        engine.participants().stream().filter(Participant::trainable)
                .forEach(p -> rates.put(p.name(), learningRate(run, method, p.role())));
        results.put("learningRates", rates);
        results.put("seed", run.seed());
        results.put("workers", run.workers());
        if (run.spark() != null) {
            results.put("spark", run.spark());
            results.put("averagingFrequency", run.averagingFrequency());
        }
        results.put("data", data.source());
        if (run.batches() != null) {
            results.put("batches", run.batches());
        }
        results.put("backend", backend.describe());
        results.put(RunReport.PROCESSOR, Backend.processor());
        results.put(RunReport.SETTINGS, resumeSettings(config, task)); // what a later experiment checks to reuse it
        results.putAll(outcome.results());
        String metric = task.metric().resultName();
        results.put("final" + metric, outcome.finalScores());
        results.put("best" + metric, TrainingRun.best(history, task.metric()));
        results.put("trainSeconds", seconds);
        results.put("history", history);
        RunReport.writeResults(run.outDir(), results);
        return new RunResult(run.outDir(), history, outcome.finalScores(), outcome.details(), seconds);
    }

    /** What a run of {@code config} must share with its checkpoint to resume, or an experiment to reuse it. */
    public static Map<String, String> resumeSettings(TaskConfig config) {
        return resumeSettings(config, config.task());
    }

    private static Map<String, String> resumeSettings(TaskConfig config, Task task) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("task", task.name());
        settings.putAll(config.run().resumeSettings());
        settings.putAll(task.resumeSettings());
        return settings;
    }

    /** The networks the settings name (the method may add its own): the frozen teacher, joint teachers, students. */
    private static List<Participant> participants(RunSettings run, Task task, DistillationMethod method) {
        List<Participant> list = new ArrayList<>();
        if (run.teacherCheckpoint() != null) {
            Task.Network t = task.loadTeacher(run.teacherCheckpoint());
            list.add(Participant.builder(RunSettings.networkName(Role.TEACHER, 0, 1), t.graph()).role(Role.TEACHER)
                    .trainable(false).logits(t.logitsVertex()).taps(t.taps()).build());
        }
        for (Role role : List.of(Role.TEACHER, Role.STUDENT)) {
            List<String> models = run.models(role);
            for (int i = 0; i < models.size(); i++) {
                String name = RunSettings.networkName(role, i, models.size());
                Task.Network n = task.build(models.get(i), name, role, run.networkSeed(role, i),
                        learningRate(run, method, role));
                list.add(Participant.builder(name, n.graph()).role(role).logits(n.logitsVertex()).taps(n.taps())
                        .build());
            }
        }
        return list;
    }

    /** The initial learning rate of a role: the method's prescription (SwitOKD) or the configured rate. */
    public static double learningRate(RunSettings run, DistillationMethod method, Role role) {
        return method.learningRate(role).orElse(run.learningRate());
    }
}
