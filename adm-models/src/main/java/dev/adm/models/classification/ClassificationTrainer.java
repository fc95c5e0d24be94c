package dev.adm.models.classification;

import com.google.common.base.Preconditions;
import dev.adm.core.backend.Backend;
import dev.adm.core.backend.BackendInfo;
import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.GraphSurgery;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.methods.AdmMethod;
import dev.adm.core.methods.MethodRegistry;
import dev.adm.models.data.DataFormatException;
import dev.adm.models.data.Datasets;
import dev.adm.models.data.ImageSet;
import dev.adm.models.data.ImageSetIterator;
import dev.adm.models.data.Splits;
import dev.adm.models.run.AtomicFiles;
import dev.adm.models.run.EpochRecord;
import dev.adm.models.run.RunReport;
import dev.adm.models.run.TrainingRun;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelSpec;
import dev.adm.models.zoo.ModelZoo;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The classification pipeline on Fashion-MNIST: builds the networks, runs a {@link DistillationEngine}
 * epoch by epoch with a progress bar, evaluates every network, and writes the run directory:
 * {@code metrics.csv}, {@code results.json}, {@code curves.png}, {@code checkpoint.zip} (every epoch,
 * atomic) and the final classifiers {@code student.zip} (and {@code teacher.zip} when it trained), which
 * {@code ModelSerializer.restoreComputationGraph} loads with DL4J alone.
 */
public final class ClassificationTrainer {
    public static final String STUDENT = "student";
    public static final String TEACHER = "teacher";
    public static final TrainingRun.Metric METRIC = new TrainingRun.Metric("top1", "top-1");
    private static final Logger log = LoggerFactory.getLogger(ClassificationTrainer.class);

    private ClassificationTrainer() {
    }

    /** What a run produced. */
    public record Result(Path outDir, List<EpochRecord> history, Map<String, Double> finalTop1, double trainSeconds) {
        static Result of(Path outDir, List<EpochRecord> history) {
            return new Result(outDir, List.copyOf(history), TrainingRun.last(history),
                    history.stream().mapToDouble(EpochRecord::seconds).sum());
        }
    }

    public static Result run(ClassificationConfig cfg) {
        BackendInfo backend = Backend.initialize();
        Nd4j.getRandom().setSeed(cfg.seed());
        log.info("run config: {}", cfg);
        Splits data = Datasets.load(cfg.dataset(), cfg.dataDir(), cfg.embeddedData(), cfg.imageSize())
                .limitTrain(cfg.trainLimit());
        ImageSet train = data.train();
        log.info("data: {}; training on {} images", data.source(), train.size());

        TrainingRun.Spec spec = new TrainingRun.Spec(cfg.outDir(), cfg.method(), cfg.epochs(), cfg.stopAfter(),
                cfg.progress(), METRIC, settings(cfg), cfg.checkpointEvery());
        TrainingRun.Start start = TrainingRun.start(spec, cfg.resume());
        DistillationMethod method = MethodRegistry.create(cfg.method(), cfg.methodParams());
        DistillationEngine engine = new DistillationEngine(method, participants(cfg, train, method),
                new long[]{train.channels(), train.height(), train.width()}, train.numClasses(), start.networks());
        engine.setRandomSeed(cfg.seed());

        ImageSetIterator.Builder trainIt = data.trainIterator(cfg.batchSize()).shuffle(cfg.seed());
        if (cfg.augment()) {
            trainIt.augment(train.height() >= 32 ? 4 : 2); // 4 px is CIFAR practice; 2 px on 28x28 Fashion-MNIST
        }
        ImageSetIterator testData = data.testIterator(256);
        double studentRate = baseRate(cfg, method, Role.STUDENT);
        List<EpochRecord> history = TrainingRun.train(spec, start, engine, trainIt.build(),
                epoch -> TrainingRun.cosineRate(studentRate, epoch, cfg.epochs()), e -> top1(e, testData));
        Result result = Result.of(cfg.outDir(), history);
        if (history.size() < cfg.epochs()) {
            return result;
        }
        for (Participant p : TrainingRun.exported(engine)) {
            exportClassifier(engine.graph(p.name()), cfg.outDir().resolve(p.name() + ".zip"));
        }
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("method", cfg.method());
        results.put("methodParams", MethodRegistry.entry(cfg.method()).resolve(cfg.methodParams()));
        results.put("teacher", !cfg.teachers().isEmpty() ? String.join(",", cfg.teachers())
                : cfg.teacherCheckpoint() != null ? cfg.teacherCheckpoint().toString() : null);
        results.put("student", String.join(",", cfg.students()));
        results.put("epochs", cfg.epochs());
        results.put("batchSize", cfg.batchSize());
        Map<String, Double> rates = new LinkedHashMap<>();
        engine.participants().stream().filter(Participant::trainable)
                .forEach(p -> rates.put(p.name(), baseRate(cfg, method, p.role())));
        results.put("learningRates", rates);
        results.put("seed", cfg.seed());
        results.put("data", data.source());
        results.put("trainImages", train.size());
        results.put("backend", backend.describe());
        results.put("finalTop1", result.finalTop1());
        results.put("bestTop1", TrainingRun.best(history, METRIC));
        results.put("trainSeconds", result.trainSeconds());
        results.put("history", history);
        RunReport.writeResults(cfg.outDir(), results);
        return result;
    }

    private static Map<String, Double> top1(DistillationEngine engine, ImageSetIterator testData) {
        Map<String, Double> top1 = new LinkedHashMap<>();
        for (var ref : engine.networks()) {
            testData.setEpoch(0);
            top1.put(ref.name(), Evaluation.top1(x -> engine.predict(ref.name(), x), testData));
        }
        return top1;
    }

    /** What must not change between a run and its resumption. */
    private static Map<String, String> settings(ClassificationConfig cfg) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("method", cfg.method());
        MethodRegistry.entry(cfg.method()).resolve(cfg.methodParams()).forEach((k, v) -> m.put("param." + k, v));
        m.put("teacher", String.join(",", cfg.teachers()));
        m.put("teacherCheckpoint", String.valueOf(cfg.teacherCheckpoint()));
        m.put("student", String.join(",", cfg.students()));
        m.put("epochs", String.valueOf(cfg.epochs()));
        m.put("batchSize", String.valueOf(cfg.batchSize()));
        m.put("learningRate", String.valueOf(cfg.learningRate()));
        m.put("seed", String.valueOf(cfg.seed()));
        m.put("trainLimit", String.valueOf(cfg.trainLimit()));
        m.put("augment", String.valueOf(cfg.augment()));
        m.put("dataset", cfg.dataset());
        m.put("data", cfg.embeddedData() ? "embedded" : String.valueOf(cfg.dataDir()));
        m.put("imageSize", String.valueOf(cfg.imageSize()));
        return m;
    }

    /** The networks the user chose (the method may add its own): teachers first, then students. */
    private static List<Participant> participants(ClassificationConfig cfg, ImageSet train, DistillationMethod method) {
        long[] shape = {train.channels(), train.height(), train.width()};
        List<Participant> list = new ArrayList<>();
        if (cfg.teacherCheckpoint() != null) {
            ComputationGraph teacher = loadClassifier(cfg.teacherCheckpoint(), train.numClasses(), shape);
            // A saved classifier keeps its vertex names (stage1..N, ...), but "feat" is an alias: the pooled map.
            list.add(Participant.builder(TEACHER, teacher).role(Role.TEACHER).trainable(false)
                    .tap(AdmMethod.FEATURE_TAP, GraphSurgery.pooledVertex(teacher, "logits")).build());
        }
        addZooNetworks(list, cfg, train, method, Role.TEACHER, cfg.teachers());
        addZooNetworks(list, cfg, train, method, Role.STUDENT, cfg.students());
        return list;
    }

    private static void addZooNetworks(List<Participant> list, ClassificationConfig cfg, ImageSet train,
                                       DistillationMethod method, Role role, List<String> models) {
        ModelConfig.Builder mc = ModelConfig.builder().input(train.channels(), train.height(), train.width())
                .classes(train.numClasses())
                .updater(new Nesterovs(TrainingRun.cosineSchedule(baseRate(cfg, method, role), cfg.epochs()), 0.9));
        String roleName = role == Role.TEACHER ? TEACHER : STUDENT;
        for (int i = 0; i < models.size(); i++) {
            ModelSpec spec = ModelZoo.get(models.get(i));
            long seed = cfg.seed() + 100L * i + (role == Role.TEACHER ? 1 : 0); // student 1: the run's seed
            ComputationGraph g = spec.build(mc.seed(seed).build());
            list.add(Participant.builder(ClassificationConfig.networkName(roleName, i, models.size()), g).role(role)
                    .taps(spec.tapAliases()).build());
        }
    }

    /** The initial learning rate of a role: the method's prescription (SwitOKD) or the configured rate. */
    static double baseRate(ClassificationConfig cfg, DistillationMethod method, Role role) {
        return method.learningRate(role).orElse(cfg.learningRate());
    }

    /** Loads a trained classifier zip as a frozen teacher, checking that its class count matches the data. */
    static ComputationGraph loadClassifier(Path file, int numClasses) {
        return loadClassifier(file, numClasses, null);
    }

    /** As above, and when {@code inputShape} ([C,H,W]) is given, checks the network accepts such images. */
    public static ComputationGraph loadClassifier(Path file, int numClasses, long[] inputShape) {
        Preconditions.checkArgument(Files.isRegularFile(file), "model file %s does not exist; train one "
                + "with: ./adm train classification --method baseline --student MODEL --out DIR", file);
        ComputationGraph g;
        try {
            g = ModelSerializer.restoreComputationGraph(file.toFile(), false);
        } catch (IOException | RuntimeException e) {
            throw new DataFormatException(file + " is not a DL4J ComputationGraph zip: " + e.getMessage(), e);
        }
        var layer = g.getOutputLayer(0).conf().getLayer();
        long classes = layer instanceof FeedForwardLayer f ? f.getNOut() : -1;
        if (classes <= 0) {
            throw new IllegalArgumentException("model " + file + " is not a classifier (its output layer is a "
                    + layer.getClass().getSimpleName() + "); give a model from adm train classification");
        }
        if (classes != numClasses) {
            throw new IllegalArgumentException("model " + file + " predicts " + classes + " classes but the data has "
                    + numClasses + "; use a model trained on this dataset");
        }
        if (inputShape != null) {
            try {
                g.output(false, Nd4j.zeros(g.params().dataType(), 1, inputShape[0], inputShape[1], inputShape[2]));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("model " + file + " does not accept " + inputShape[0] + "x"
                        + inputShape[1] + "x" + inputShape[2] + " images (" + e.getMessage()
                        + "); use a model trained on this dataset");
            }
        }
        return g;
    }

    /** Saves the plain DL4J classifier form (softmax output layer, no taps, no updater state). */
    public static void exportClassifier(ComputationGraph graph, Path file) {
        ComputationGraph plain = GraphSurgery.forInference(graph, "logits");
        AtomicFiles.writeVia(file, tmp -> ModelSerializer.writeModel(plain, tmp.toFile(), false));
    }
}
