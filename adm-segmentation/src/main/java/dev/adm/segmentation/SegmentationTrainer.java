package dev.adm.segmentation;

import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.GraphSurgery;
import dev.adm.core.engine.Role;
import dev.adm.core.engine.Taps;
import dev.adm.core.methods.AuxiliaryHeadLoss;
import dev.adm.models.data.EpochIterator;
import dev.adm.models.run.Checkpoint;
import dev.adm.models.run.DistillationRun;
import dev.adm.models.run.EpochRecord;
import dev.adm.models.run.LearningRates;
import dev.adm.models.run.MethodAdapter;
import dev.adm.models.run.ModelFiles;
import dev.adm.models.run.RunResult;
import dev.adm.models.run.StepBatches;
import dev.adm.models.run.Task;
import dev.adm.models.run.TrainingRun;
import dev.adm.models.zoo.ModelConfig;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The segmentation task: {@code <head>-<backbone>} networks on scenes composed from Fashion-MNIST items (or a
 * Cityscapes, CamVid or VOC folder), trained on dense labels, scored by test mIoU, with {@code overlays.png}
 * (predictions next to the ground truth) and the final models ({@code student.zip}: a per-pixel softmax output,
 * loadable with DL4J alone). {@link #run} trains one configuration.
 */
public final class SegmentationTrainer implements Task {
    public static final TrainingRun.Metric METRIC = new TrainingRun.Metric("miou", "mIoU", true, "MeanIou");
    private static final MethodAdapter WITH_AUXILIARY_HEADS =
            method -> new AuxiliaryHeadLoss(method, AuxiliaryHeadLoss.DEFAULT_WEIGHT);

    private final SegmentationConfig cfg;
    private SegmentationData data;

    SegmentationTrainer(SegmentationConfig cfg) {
        this.cfg = cfg;
    }

    /** Trains (or resumes) the run {@code cfg} describes and writes its run directory. */
    public static RunResult run(SegmentationConfig cfg) {
        return DistillationRun.run(cfg);
    }

    @Override
    public String name() {
        return "segmentation";
    }

    @Override
    public TrainingRun.Metric metric() {
        return METRIC;
    }

    @Override
    public Map<String, String> resumeSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("auxiliary", String.valueOf(cfg.auxiliary()));
        m.put("scenes", cfg.canvas() + "/" + cfg.minItems() + ".." + cfg.maxItems() + "/" + cfg.trainScenes());
        m.put("folder", cfg.folderFormat() + "/" + cfg.folderHeight() + "x" + cfg.folderWidth());
        m.put("flip", String.valueOf(cfg.flip()));
        m.put("data", cfg.embeddedData() ? "embedded" : String.valueOf(cfg.dataDir()));
        if (cfg.validation() > 0) { // absent when 0, so runs made before the option resume
            m.put("validation", String.valueOf(cfg.validation()));
        }
        return m;
    }

    @Override
    public Data load() {
        data = SegmentationData.of(cfg);
        long[] in = data.input();
        return new Data(StepBatches.of(data.train()), new InputType[]{InputType.convolutional(in[1], in[2], in[0])},
                new long[]{data.classes(), in[1], in[2]}, false, data.source());
    }

    /** Auxiliary heads train with their own cross-entropy unless the method uses them (RDD). */
    @Override
    public MethodAdapter methodAdapter() {
        return WITH_AUXILIARY_HEADS;
    }

    @Override
    public Network build(String model, String name, Role role, long seed, double learningRate) {
        long[] in = data.input();
        ModelConfig mc = ModelConfig.builder().input((int) in[0], (int) in[1], (int) in[2]).classes(data.classes())
                .updater(LearningRates.cosineNesterov(learningRate, cfg.run().epochs()))
                .seed(seed).build();
        SegmentationNet net = SegmentationZoo.build(model, mc, cfg.auxiliary());
        return new Network(net.graph(), "logits", net.taps());
    }

    /** Its 'aux' head, if it has one, is a tap by its name. */
    @Override
    public Network loadTeacher(Path file) {
        return new Network(loadModel(file, data.classes()), "logits", Map.of(Taps.FEAT, FcnHead.DECODER));
    }

    @Override
    public Map<String, Double> score(DistillationEngine engine) {
        Map<String, Double> miou = new LinkedHashMap<>();
        metrics(engine, data.test(), data.classes()).forEach((name, m) -> miou.put(name, m.meanIou()));
        return miou;
    }

    @Override
    public void export(ComputationGraph graph, String network, Path file) {
        export(graph, file);
    }

    @Override
    public Outcome finish(DistillationEngine engine, List<EpochRecord> history, Path outDir) {
        Map<String, SegmentationMetrics> metrics = metrics(engine, data.test(), data.classes());
        if (cfg.overlays() > 0) {
            writeOverlays(outDir, engine, data.overlays().get());
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
        results.put("auxiliary", cfg.auxiliary());
        results.put("pixelAccuracy", accuracy);
        results.put("classIou", classIou);
        return new Outcome(miou, Map.of("pixel accuracy", accuracy), results);
    }

    @Override
    public String experimentTeacherFile() {
        return Checkpoint.FILE; // keeps the teacher's auxiliary head, which RDD needs
    }

    /**
     * Loads a frozen teacher: a model exported by a run ({@code student.zip}, {@code teacher.zip}) or, from a run's
     * {@code checkpoint.zip} (which keeps an auxiliary head), its teacher or else its student; checks its class
     * count and decoder.
     */
    public static ComputationGraph loadModel(Path file, int numClasses) {
        ComputationGraph g = ModelFiles.restore(file, "train one with: ./adm train segmentation --method baseline "
                + "--student MODEL --out DIR");
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

    /** Saves the plain DL4J form: per-pixel softmax probabilities {@code [B,K,H,W]}, no taps or updater state. */
    public static void export(ComputationGraph graph, Path file) {
        ModelFiles.exportInference(graph, "logits", file);
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

    private static void writeOverlays(Path outDir, DistillationEngine engine, DataSet batch) {
        Map<String, INDArray> predictions = new LinkedHashMap<>();
        engine.networks().forEach(n -> predictions.put(n.name(), engine.predict(n.name(), batch.getFeatures())));
        SegmentationOverlays.write(outDir.resolve("overlays.png"), batch.getFeatures(), batch.getLabels(),
                predictions);
    }
}
