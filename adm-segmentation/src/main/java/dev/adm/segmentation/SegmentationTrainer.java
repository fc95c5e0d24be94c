package dev.adm.segmentation;

import com.google.common.base.Preconditions;
import dev.adm.core.backend.Backend;
import dev.adm.core.backend.BackendInfo;
import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.GraphSurgery;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.methods.AuxiliaryHeadLoss;
import dev.adm.core.methods.MethodRegistry;
import dev.adm.models.classification.ClassificationConfig;
import dev.adm.models.data.DataFormatException;
import dev.adm.models.data.EpochIterator;
import dev.adm.models.data.Datasets;
import dev.adm.models.data.Splits;
import dev.adm.models.run.AtomicFiles;
import dev.adm.models.run.Checkpoint;
import dev.adm.models.run.EpochRecord;
import dev.adm.models.run.RunReport;
import dev.adm.models.run.TrainingRun;
import dev.adm.models.zoo.ModelConfig;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;
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
import java.util.function.Supplier;

/**
 * The segmentation pipeline on scenes composed from Fashion-MNIST items: builds the {@code <head>-<backbone>}
 * networks, trains them with a {@link DistillationEngine} on dense labels, scores every network by test mIoU after
 * each epoch, and writes the run directory as the classification pipeline does ({@code metrics.csv},
 * {@code steps.csv}, {@code curves.png}, {@code checkpoint.zip}, {@code results.json}), plus {@code overlays.png}
 * (predictions next to the ground truth) and the final models ({@code student.zip}, with a per-pixel softmax
 * output, loadable with DL4J alone).
 */
public final class SegmentationTrainer {
    public static final String STUDENT = "student";
    public static final String TEACHER = "teacher";
    public static final TrainingRun.Metric METRIC = new TrainingRun.Metric("miou", "mIoU");
    private static final Logger log = LoggerFactory.getLogger(SegmentationTrainer.class);

    private SegmentationTrainer() {
    }

    /** What a run produced: the history and, when it finished, the final test metrics per network. */
    public record Result(Path outDir, List<EpochRecord> history, Map<String, Double> finalMeanIou,
                         Map<String, Double> pixelAccuracy, double trainSeconds) {
    }

    public static Result run(SegmentationConfig cfg) {
        BackendInfo backend = Backend.initialize();
        Nd4j.getRandom().setSeed(cfg.seed());
        log.info("run config: {}", cfg);
        Data data = cfg.folderFormat() == null ? scenes(cfg) : folder(cfg);
        int classes = data.classes();
        log.info("data: {}", data.source());

        TrainingRun.Spec spec = new TrainingRun.Spec(cfg.outDir(), cfg.method(), cfg.epochs(), cfg.stopAfter(),
                cfg.progress(), METRIC, settings(cfg), cfg.checkpointEvery());
        TrainingRun.Start start = TrainingRun.start(spec, cfg.resume());
        // auxiliary heads train with their own cross-entropy unless the method uses them (RDD)
        DistillationMethod method = new AuxiliaryHeadLoss(MethodRegistry.create(cfg.method(), cfg.methodParams()),
                AuxiliaryHeadLoss.DEFAULT_WEIGHT);
        long[] input = data.input();
        DistillationEngine engine = new DistillationEngine(method, participants(cfg, method, data),
                input, new long[]{classes, input[1], input[2]}, start.networks());
        engine.setRandomSeed(cfg.seed());
        EpochIterator trainData = data.train();
        EpochIterator testData = data.test();
        double studentRate = baseRate(cfg, method, Role.STUDENT);
        List<EpochRecord> history = TrainingRun.train(spec, start, engine, trainData,
                epoch -> TrainingRun.cosineRate(studentRate, epoch, cfg.epochs()),
                e -> metrics(e, testData, classes).entrySet().stream().collect(LinkedHashMap::new,
                        (m, x) -> m.put(x.getKey(), x.getValue().meanIou()), Map::putAll));
        double seconds = history.stream().mapToDouble(EpochRecord::seconds).sum();
        if (history.size() < cfg.epochs()) {
            return new Result(cfg.outDir(), history, TrainingRun.last(history), Map.of(), seconds);
        }
        for (Participant p : TrainingRun.exported(engine)) {
            export(engine.graph(p.name()), cfg.outDir().resolve(p.name() + ".zip"));
        }
        Map<String, SegmentationMetrics> metrics = metrics(engine, testData, classes);
        if (cfg.overlays() > 0) {
            writeOverlays(cfg, engine, data.overlays().get());
        }
        Map<String, Double> miou = new LinkedHashMap<>();
        Map<String, Double> accuracy = new LinkedHashMap<>();
        Map<String, double[]> classIou = new LinkedHashMap<>();
        metrics.forEach((name, m) -> {
            miou.put(name, m.meanIou());
            accuracy.put(name, m.pixelAccuracy());
            classIou.put(name, m.classIou());
        });
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("task", "segmentation");
        results.put("method", cfg.method());
        results.put("methodParams", MethodRegistry.entry(cfg.method()).resolve(cfg.methodParams()));
        results.put("teacher", !cfg.teachers().isEmpty() ? String.join(",", cfg.teachers())
                : cfg.teacherCheckpoint() != null ? cfg.teacherCheckpoint().toString() : null);
        results.put("student", String.join(",", cfg.students()));
        results.put("auxiliary", cfg.auxiliary());
        results.put("epochs", cfg.epochs());
        results.put("batchSize", cfg.batchSize());
        results.put("seed", cfg.seed());
        results.put("data", data.source());
        results.put("backend", backend.describe());
        results.put("finalMeanIou", miou);
        results.put("bestMeanIou", TrainingRun.best(history, METRIC));
        results.put("pixelAccuracy", accuracy);
        results.put("classIou", classIou);
        results.put("trainSeconds", seconds);
        results.put("history", history);
        RunReport.writeResults(cfg.outDir(), results);
        return new Result(cfg.outDir(), history, miou, accuracy, seconds);
    }

    /** What must not change between a run and its resumption. */
    private static Map<String, String> settings(SegmentationConfig cfg) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("task", "segmentation");
        m.put("method", cfg.method());
        MethodRegistry.entry(cfg.method()).resolve(cfg.methodParams()).forEach((k, v) -> m.put("param." + k, v));
        m.put("teacher", String.join(",", cfg.teachers()));
        m.put("teacherCheckpoint", String.valueOf(cfg.teacherCheckpoint()));
        m.put("student", String.join(",", cfg.students()));
        m.put("auxiliary", String.valueOf(cfg.auxiliary()));
        m.put("epochs", String.valueOf(cfg.epochs()));
        m.put("batchSize", String.valueOf(cfg.batchSize()));
        m.put("learningRate", String.valueOf(cfg.learningRate()));
        m.put("seed", String.valueOf(cfg.seed()));
        m.put("scenes", cfg.canvas() + "/" + cfg.minItems() + ".." + cfg.maxItems() + "/" + cfg.trainScenes());
        m.put("folder", cfg.folderFormat() + "/" + cfg.folderHeight() + "x" + cfg.folderWidth());
        m.put("flip", String.valueOf(cfg.flip()));
        m.put("data", cfg.embeddedData() ? "embedded" : String.valueOf(cfg.dataDir()));
        return m;
    }

    private static List<Participant> participants(SegmentationConfig cfg, DistillationMethod method, Data data) {
        int classes = data.classes();
        List<Participant> list = new ArrayList<>();
        if (cfg.teacherCheckpoint() != null) {
            ComputationGraph teacher = loadModel(cfg.teacherCheckpoint(), classes);
            list.add(Participant.builder(TEACHER, teacher).role(Role.TEACHER).trainable(false)
                    .tap("feat", FcnHead.DECODER).build()); // its 'aux' head, if it has one, is a tap by its name
        }
        addNetworks(list, cfg, method, Role.TEACHER, cfg.teachers(), data);
        addNetworks(list, cfg, method, Role.STUDENT, cfg.students(), data);
        return list;
    }

    private static void addNetworks(List<Participant> list, SegmentationConfig cfg, DistillationMethod method,
                                    Role role, List<String> models, Data data) {
        long[] in = data.input();
        ModelConfig.Builder mc = ModelConfig.builder().input((int) in[0], (int) in[1], (int) in[2]).classes(data.classes())
                .updater(new Nesterovs(TrainingRun.cosineSchedule(baseRate(cfg, method, role), cfg.epochs()), 0.9));
        String roleName = role == Role.TEACHER ? TEACHER : STUDENT;
        for (int i = 0; i < models.size(); i++) {
            long seed = cfg.seed() + 100L * i + (role == Role.TEACHER ? 1 : 0); // student 1: the run's seed
            SegmentationNet net = SegmentationZoo.build(models.get(i), mc.seed(seed).build(), cfg.auxiliary());
            list.add(Participant.builder(ClassificationConfig.networkName(roleName, i, models.size()), net.graph())
                    .role(role).taps(net.taps()).build());
        }
    }

    private static double baseRate(SegmentationConfig cfg, DistillationMethod method, Role role) {
        return method.learningRate(role).orElse(cfg.learningRate());
    }

    /**
     * Loads a frozen teacher: a model exported by a run ({@code student.zip}, {@code teacher.zip}) or, from a run's
     * {@code checkpoint.zip} (which keeps an auxiliary head), its teacher or else its student; checks its class
     * count and decoder.
     */
    public static ComputationGraph loadModel(Path file, int numClasses) {
        Preconditions.checkArgument(Files.isRegularFile(file), "model file %s does not exist; train one with: "
                + "./adm train segmentation --method baseline --student MODEL --out DIR", file);
        ComputationGraph g = file.getFileName().toString().equals(Checkpoint.FILE) ? fromCheckpoint(file)
                : restore(file);
        var vertices = g.getConfiguration().getVertices();
        boolean exported = vertices.containsKey(GraphSurgery.PROBABILITIES);
        boolean fromRun = g.getConfiguration().getNetworkOutputs().stream()
                .anyMatch(o -> o.startsWith(GraphSurgery.TAP_PREFIX));
        if (!(exported || fromRun) || !vertices.containsKey(FcnHead.DECODER) || !vertices.containsKey("logits")
                || !(g.getLayer("logits").conf().getLayer() instanceof ConvolutionLayer logits)) {
            throw new IllegalArgumentException("model " + file + " is not a segmentation model saved by adm train "
                    + "segmentation (it needs per-pixel 'logits' and '" + FcnHead.DECODER + "'); use a student.zip "
                    + "or a checkpoint.zip from such a run");
        }
        if (logits.getNOut() != numClasses) {
            throw new IllegalArgumentException("model " + file + " predicts " + logits.getNOut() + " classes but the "
                    + "scenes have " + numClasses + "; use a model trained on these scenes");
        }
        return g;
    }

    private static ComputationGraph restore(Path file) {
        try {
            return ModelSerializer.restoreComputationGraph(file.toFile(), false);
        } catch (IOException | RuntimeException e) {
            throw new DataFormatException(file + " is not a DL4J ComputationGraph zip: " + e.getMessage(), e);
        }
    }

    /** The run's teacher network, or its student when it trained no teacher (a baseline of one model). */
    private static ComputationGraph fromCheckpoint(Path file) {
        Map<String, ComputationGraph> nets = Checkpoint.load(file.toAbsolutePath().getParent()).networks();
        ComputationGraph g = nets.containsKey(TEACHER) ? nets.get(TEACHER) : nets.get(STUDENT);
        if (g == null) {
            throw new IllegalArgumentException("checkpoint " + file + " holds " + nets.keySet() + ", no network named "
                    + STUDENT + " or " + TEACHER + "; export the one you want with a finished run (student.zip)");
        }
        return g;
    }

    /** Saves the plain DL4J form: per-pixel softmax probabilities {@code [B,K,H,W]}, no taps or updater state. */
    public static void export(ComputationGraph graph, Path file) {
        ComputationGraph plain = GraphSurgery.forInference(graph, "logits");
        AtomicFiles.writeVia(file, tmp -> ModelSerializer.writeModel(plain, tmp.toFile(), false));
    }

    private static Map<String, SegmentationMetrics> metrics(DistillationEngine engine, EpochIterator test,
                                                            int classes) {
        Map<String, SegmentationMetrics> out = new LinkedHashMap<>();
        for (var ref : engine.networks()) {
            SegmentationMetrics m = new SegmentationMetrics(classes, -1);
            test.setEpoch(0);
            while (test.hasNext()) {
                DataSet batch = test.next();
                m.addBatch(batch.getLabels(), engine.predict(ref.name(), batch.getFeatures()));
            }
            out.put(ref.name(), m);
        }
        return out;
    }

    private static void writeOverlays(SegmentationConfig cfg, DistillationEngine engine, DataSet batch) {
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> predictions = new LinkedHashMap<>();
        engine.networks().forEach(n -> predictions.put(n.name(), engine.predict(n.name(), batch.getFeatures())));
        SegmentationOverlays.write(cfg.outDir().resolve("overlays.png"), batch.getFeatures(), batch.getLabels(),
                predictions);
    }

    /** A run's data: iterators, classes, input shape {@code [C,H,W]}, a description and the overlay batch. */
    private record Data(EpochIterator train, EpochIterator test, int classes, long[] input, String source,
                        Supplier<DataSet> overlays) {
    }

    private static Data scenes(SegmentationConfig cfg) {
        Splits items = Datasets.load("fashion-mnist", cfg.dataDir(), cfg.embeddedData(), 28);
        SceneComposer trainScenes = SceneComposer.builder(items.train()).canvas(cfg.canvas())
                .items(cfg.minItems(), cfg.maxItems()).seed(cfg.seed()).build();
        // test scenes: items the networks never saw, placed by a layout seed independent of the run's seed
        SceneComposer testScenes = SceneComposer.builder(items.test()).canvas(cfg.canvas())
                .items(cfg.minItems(), cfg.maxItems()).seed(7_919).build();
        SceneIterator train = SceneIterator.builder(trainScenes, 0, cfg.trainScenes(), cfg.batchSize())
                .shuffle(cfg.seed()).flip(cfg.flip()).build();
        SceneIterator test = SceneIterator.builder(testScenes, 0, cfg.testScenes(), 64)
                .normalize(train.mean(), train.std()).build();
        return new Data(train, test, trainScenes.numClasses(), new long[]{1, cfg.canvas(), cfg.canvas()},
                String.format("%d %dx%d scenes with %d..%d items from %s; %d test scenes", cfg.trainScenes(),
                        cfg.canvas(), cfg.canvas(), cfg.minItems(), cfg.maxItems(), items.source(), cfg.testScenes()),
                () -> SceneIterator.builder(testScenes, 0, Math.min(cfg.overlays(), cfg.testScenes()), cfg.overlays())
                        .normalize(train.mean(), train.std()).build().next());
    }

    /** {@code <data>/train} and {@code <data>/val} (or {@code test}) folders of images and label PNGs. */
    private static Data folder(SegmentationConfig cfg) {
        SegmentationFolder.Format format = SegmentationFolder.Format.parse(cfg.folderFormat());
        Path root = cfg.dataDir();
        Path testDir = Files.isDirectory(root.resolve("val")) ? root.resolve("val") : root.resolve("test");
        if (!Files.isDirectory(root.resolve("train")) || !Files.isDirectory(testDir)) {
            throw new DataFormatException(root + " must hold train/ and val/ (or test/) folders, each with images/ "
                    + "and labels/");
        }
        SegmentationFolder.Split trainSplit = SegmentationFolder.read(root.resolve("train"), format,
                cfg.folderHeight(), cfg.folderWidth());
        SegmentationFolder.Split testSplit = SegmentationFolder.read(testDir, format, cfg.folderHeight(),
                cfg.folderWidth());
        SegmentationSplitIterator train = SegmentationSplitIterator.builder(trainSplit, cfg.batchSize())
                .shuffle(cfg.seed()).flip(cfg.flip()).build();
        SegmentationSplitIterator test = SegmentationSplitIterator.builder(testSplit, 16)
                .normalize(train.mean(), train.std()).build();
        return new Data(train, test, format.classes(), new long[]{3, cfg.folderHeight(), cfg.folderWidth()},
                String.format("%s folders in %s: %d train / %d %s images at %dx%d", format.name().toLowerCase(),
                        root, trainSplit.size(), testSplit.size(), testDir.getFileName(), cfg.folderHeight(),
                        cfg.folderWidth()),
                () -> SegmentationSplitIterator.builder(testSplit, Math.min(cfg.overlays(), testSplit.size()))
                        .normalize(train.mean(), train.std()).build().next());
    }
}
