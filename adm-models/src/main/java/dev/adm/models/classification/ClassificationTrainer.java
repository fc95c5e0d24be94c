package dev.adm.models.classification;

import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.GraphSurgery;
import dev.adm.core.engine.Role;
import dev.adm.core.engine.Taps;
import dev.adm.models.data.Datasets;
import dev.adm.models.data.ImageSet;
import dev.adm.models.data.ImageSetIterator;
import dev.adm.models.data.Splits;
import dev.adm.models.run.DistillationRun;
import dev.adm.models.run.EpochRecord;
import dev.adm.models.run.LearningRates;
import dev.adm.models.run.ModelFiles;
import dev.adm.models.run.RunResult;
import dev.adm.models.run.RunSettings;
import dev.adm.models.run.StepBatches;
import dev.adm.models.run.Task;
import dev.adm.models.run.TrainingRun;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelSpec;
import dev.adm.models.zoo.ModelZoo;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The classification task: zoo networks on Fashion-MNIST (or CIFAR, or an image folder), scored by test top-1, and
 * exported as plain DL4J classifiers ({@code student.zip}, and {@code teacher.zip} when it trained) that
 * {@code ModelSerializer.restoreComputationGraph} loads with DL4J alone. {@link #run} trains one configuration.
 */
public final class ClassificationTrainer implements Task {
    public static final TrainingRun.Metric METRIC = new TrainingRun.Metric("top1", "top-1", true, "Top1");
    private static final Logger log = LoggerFactory.getLogger(ClassificationTrainer.class);

    private final ClassificationConfig cfg;
    private Splits data;
    private ImageSetIterator testData;

    ClassificationTrainer(ClassificationConfig cfg) {
        this.cfg = cfg;
    }

    /** Trains (or resumes) the run {@code cfg} describes and writes its run directory. */
    public static RunResult run(ClassificationConfig cfg) {
        return DistillationRun.run(cfg);
    }

    @Override
    public String name() {
        return "classification";
    }

    @Override
    public TrainingRun.Metric metric() {
        return METRIC;
    }

    @Override
    public Map<String, String> resumeSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("trainLimit", String.valueOf(cfg.trainLimit()));
        if (cfg.validation() > 0) { // absent when 0, so runs made before the option resume
            m.put("validation", String.valueOf(cfg.validation()));
        }
        m.put("augment", String.valueOf(cfg.augment()));
        m.put("dataset", cfg.dataset());
        m.put("data", cfg.embeddedData() ? "embedded" : String.valueOf(cfg.dataDir()));
        m.put("imageSize", String.valueOf(cfg.imageSize()));
        return m;
    }

    @Override
    public Data load() {
        data = Datasets.load(cfg.dataset(), cfg.dataDir(), cfg.embeddedData(), cfg.imageSize())
                .holdOutValidation(cfg.validation()).limitTrain(cfg.trainLimit());
        ImageSet train = data.train();
        log.info("training on {} images", train.size());
        ImageSetIterator.Builder trainIt = data.trainIterator(cfg.run().batchSize()).shuffle(cfg.run().seed());
        if (cfg.augment()) {
            trainIt.augment(train.height() >= 32 ? 4 : 2); // 4 px is CIFAR practice; 2 px on 28x28 Fashion-MNIST
        }
        testData = data.testIterator(256);
        return new Data(StepBatches.of(trainIt.build()),
                new InputType[]{InputType.convolutional(train.height(), train.width(), train.channels())},
                new long[]{train.numClasses()}, false, data.source());
    }

    @Override
    public Network build(String model, String name, Role role, long seed, double learningRate) {
        ImageSet train = data.train();
        ModelSpec spec = ModelZoo.get(model);
        ComputationGraph g = spec.build(ModelConfig.builder().input(train.channels(), train.height(), train.width())
                .classes(train.numClasses()).seed(seed)
                .updater(LearningRates.cosineNesterov(learningRate, cfg.run().epochs())).build());
        return new Network(g, "logits", spec.tapAliases());
    }

    @Override
    public Network loadTeacher(Path file) {
        ImageSet train = data.train();
        ComputationGraph teacher = loadClassifier(file, train.numClasses(),
                new long[]{train.channels(), train.height(), train.width()});
        // A saved classifier keeps its vertex names (stage1..N, ...), but "feat" is an alias: the pooled map.
        return new Network(teacher, "logits",
                Map.of(Taps.FEAT, GraphSurgery.pooledVertex(teacher, "logits")));
    }

    @Override
    public Map<String, Double> score(DistillationEngine engine) {
        Map<String, Double> top1 = new LinkedHashMap<>();
        for (var ref : engine.networks()) {
            testData.setEpoch(0);
            top1.put(ref.name(), Evaluation.top1(x -> engine.predict(ref.name(), x), testData));
        }
        return top1;
    }

    @Override
    public void export(ComputationGraph graph, String network, Path file) {
        exportClassifier(graph, file);
    }

    @Override
    public Outcome finish(DistillationEngine engine, List<EpochRecord> history, Path outDir) {
        return new Outcome(TrainingRun.last(history), Map.of(), Map.of("trainImages", data.train().size()));
    }

    @Override
    public String experimentTeacherFile() {
        return RunSettings.TEACHER + ".zip";
    }

    /**
     * Loads a trained classifier as a frozen teacher (a model zip, or a run's {@code checkpoint.zip}), checking that
     * its class count matches the data.
     */
    static ComputationGraph loadClassifier(Path file, int numClasses) {
        return loadClassifier(file, numClasses, null);
    }

    /** As above, and when {@code inputShape} ([C,H,W]) is given, checks the network accepts such images. */
    public static ComputationGraph loadClassifier(Path file, int numClasses, long[] inputShape) {
        ComputationGraph g = ModelFiles.restore(file, "train one with: ./adm train classification --method "
                + "baseline --student MODEL --out DIR");
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
        ModelFiles.exportInference(graph, "logits", file);
    }
}
