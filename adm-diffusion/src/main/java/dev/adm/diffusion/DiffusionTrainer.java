package dev.adm.diffusion;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Preconditions;
import dev.adm.core.backend.Backend;
import dev.adm.core.backend.BackendInfo;
import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;
import dev.adm.core.methods.MethodRegistry;
import dev.adm.models.classification.ClassificationConfig;
import dev.adm.models.data.DataFormatException;
import dev.adm.models.data.Datasets;
import dev.adm.models.data.ImageSet;
import dev.adm.models.data.Splits;
import dev.adm.models.run.AtomicFiles;
import dev.adm.models.run.EpochRecord;
import dev.adm.models.run.RunReport;
import dev.adm.models.run.TrainingRun;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
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
 * The diffusion pipeline on Fashion-MNIST: builds the U-Nets, trains them with a {@link DistillationEngine} on
 * denoising batches (regression targets: the noise), scores every network after each epoch by its held-out
 * denoising MSE (mean over five noise levels; lower is better), and writes the run directory as the other tasks do,
 * plus DDIM samples per network ({@code samples-<network>.png}), each network's FID on the features of a
 * Fashion-MNIST classifier ({@link FidClassifier}), and the trained U-Nets ({@code student.zip}: plain
 * DL4J, inputs {@code (x_t, embedding(t))}, output the predicted noise, with the schedule stored in the zip).
 */
public final class DiffusionTrainer {
    public static final String STUDENT = "student";
    public static final String TEACHER = "teacher";
    /** The zip entry holding a model's diffusion settings (schedule, steps, size, embedding). */
    public static final String SETTINGS_ENTRY = "adm-diffusion.json";
    public static final TrainingRun.Metric METRIC = new TrainingRun.Metric("mse", "denoising MSE", false);
    private static final Logger log = LoggerFactory.getLogger(DiffusionTrainer.class);

    private DiffusionTrainer() {
    }

    /** What a run produced: the history and, when it finished, the final denoising MSE per network and step. */
    public record Result(Path outDir, List<EpochRecord> history, Map<String, Double> finalMse,
                         Map<String, Map<Integer, Double>> mseByStep, Map<String, Double> fid, double trainSeconds) {
    }

    public static Result run(DiffusionConfig cfg) {
        BackendInfo backend = Backend.initialize();
        Nd4j.getRandom().setSeed(cfg.seed());
        log.info("run config: {}", cfg);
        Splits data = Datasets.load("fashion-mnist", cfg.dataDir(), cfg.embeddedData(), 28)
                .limitTrain(cfg.trainLimit());
        DenoisingData train = new DenoisingData(data.train(), cfg.downsample());
        DenoisingData test = new DenoisingData(data.test(), cfg.downsample());
        NoiseSchedule schedule = NoiseSchedule.parse(cfg.schedule(), cfg.steps());
        int size = train.size();
        log.info("data: {}; {} training images at {}x{}", data.source(), train.count(), size, size);

        TrainingRun.Spec spec = new TrainingRun.Spec(cfg.outDir(), cfg.method(), cfg.epochs(), cfg.stopAfter(),
                cfg.progress(), METRIC, settings(cfg), cfg.checkpointEvery());
        TrainingRun.Start start = TrainingRun.start(spec, cfg.resume());
        DistillationMethod method = MethodRegistry.create(cfg.method(), cfg.methodParams());
        Map<String, UNet.Config> configs = new LinkedHashMap<>();
        List<Participant> nets = participants(cfg, size, configs);
        int embedding = configs.values().iterator().next().embedding();
        DistillationEngine engine = new DistillationEngine(method, nets,
                new InputType[]{InputType.convolutional(size, size, 1), InputType.feedForward(embedding)},
                new long[]{1, size, size}, true, start.networks());
        engine.setRandomSeed(cfg.seed());
        DenoisingBatches batches = new DenoisingBatches(train, schedule, embedding, cfg.batchSize(), cfg.seed());
        int[] evalSteps = DenoisingEvaluation.defaultSteps(schedule);
        List<EpochRecord> history = TrainingRun.train(spec, start, engine, batches,
                epoch -> TrainingRun.cosineRate(cfg.learningRate(), epoch, cfg.epochs()),
                e -> meanMse(e, test, cfg.evalImages(), evalSteps, schedule, embedding));
        double seconds = history.stream().mapToDouble(EpochRecord::seconds).sum();
        if (history.size() < cfg.epochs()) {
            return new Result(cfg.outDir(), history, TrainingRun.last(history), Map.of(), Map.of(), seconds);
        }
        Map<String, Map<Integer, Double>> byStep = new LinkedHashMap<>();
        Map<String, Double> finalMse = new LinkedHashMap<>();
        Map<String, Double> fid = new LinkedHashMap<>();
        FidClassifier fidNet = null;
        FrechetDistance.Moments real = null;
        if (cfg.fidSamples() > 0) {
            fidNet = FidClassifier.trainOrLoad(cfg.fidClassifier().resolve("fid-resnet8-" + size + ".zip"), train,
                    test, 2, 1);
            real = FrechetDistance.Moments.of(fidNet.features(test, Math.min(test.count(), 2000)));
        }
        for (var ref : engine.networks()) {
            Samplers.NoiseModel model = model(engine, ref.name(), embedding);
            Map<Integer, Double> m = DenoisingEvaluation.mse(model, test, cfg.evalImages(), evalSteps, schedule,
                    embedding);
            byStep.put(ref.name(), m);
            finalMse.put(ref.name(), m.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow());
            int n = Math.max(cfg.samples(), cfg.fidSamples());
            if (n == 0) {
                continue;
            }
            List<INDArray> chunks = new ArrayList<>();
            for (int from = 0; from < n; from += 250) { // the same seed per chunk index: every network, same noise
                chunks.add(Samplers.ddim(model, schedule, new long[]{Math.min(250, n - from), 1, size, size},
                        cfg.samplingSteps(), cfg.seed() * 31 + from));
            }
            INDArray samples = Nd4j.concat(0, chunks.toArray(new INDArray[0]));
            if (cfg.samples() > 0) {
                INDArray shown = samples.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, cfg.samples()));
                SampleGrid.write(cfg.outDir().resolve("samples-" + ref.name() + ".png"), shown,
                        (int) Math.ceil(Math.sqrt(cfg.samples())), Math.max(1, 84 / size));
            }
            if (fidNet != null) {
                INDArray forFid = samples.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, cfg.fidSamples()));
                fid.put(ref.name(), FrechetDistance.between(real, FrechetDistance.Moments.of(fidNet.features(forFid))));
                log.info("{}: FID {} ({} DDIM samples of {} steps)", ref.name(),
                        String.format(java.util.Locale.ROOT, "%.2f", fid.get(ref.name())), cfg.fidSamples(),
                        cfg.samplingSteps());
            }
        }
        for (Participant p : TrainingRun.exported(engine)) {
            export(engine.graph(p.name()), configs.get(p.name()), cfg, size, cfg.outDir().resolve(p.name() + ".zip"));
        }
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("task", "diffusion");
        results.put("method", cfg.method());
        results.put("methodParams", MethodRegistry.entry(cfg.method()).resolve(cfg.methodParams()));
        results.put("teacher", !cfg.teachers().isEmpty() ? String.join(",", cfg.teachers())
                : cfg.teacherCheckpoint() != null ? cfg.teacherCheckpoint().toString() : null);
        results.put("student", String.join(",", cfg.students()));
        results.put("epochs", cfg.epochs());
        results.put("batchSize", cfg.batchSize());
        results.put("seed", cfg.seed());
        results.put("schedule", cfg.schedule() + "/" + cfg.steps());
        results.put("imageSize", size);
        results.put("data", data.source());
        results.put("backend", backend.describe());
        results.put("finalMse", finalMse);
        results.put("mseByStep", byStep);
        results.put("finalFid", fid);
        results.put("bestMse", TrainingRun.best(history, METRIC));
        results.put("trainSeconds", seconds);
        results.put("history", history);
        RunReport.writeResults(cfg.outDir(), results);
        return new Result(cfg.outDir(), history, finalMse, byStep, fid, seconds);
    }

    private static Map<String, Double> meanMse(DistillationEngine engine, DenoisingData test, int images,
                                               int[] steps, NoiseSchedule schedule, int embedding) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (var ref : engine.networks()) {
            out.put(ref.name(), DenoisingEvaluation.mse(model(engine, ref.name(), embedding), test, images, steps,
                    schedule, embedding).values().stream().mapToDouble(Double::doubleValue).average().orElseThrow());
        }
        return out;
    }

    private static Samplers.NoiseModel model(DistillationEngine engine, String network, int embedding) {
        return (xt, t) -> engine.predict(network, xt, TimestepEmbedding.of(t, embedding, xt.dataType()));
    }

    private static Map<String, String> settings(DiffusionConfig cfg) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("task", "diffusion");
        m.put("method", cfg.method());
        MethodRegistry.entry(cfg.method()).resolve(cfg.methodParams()).forEach((k, v) -> m.put("param." + k, v));
        m.put("teacher", String.join(",", cfg.teachers()));
        m.put("teacherCheckpoint", String.valueOf(cfg.teacherCheckpoint()));
        m.put("student", String.join(",", cfg.students()));
        m.put("epochs", String.valueOf(cfg.epochs()));
        m.put("batchSize", String.valueOf(cfg.batchSize()));
        m.put("learningRate", String.valueOf(cfg.learningRate()));
        m.put("seed", String.valueOf(cfg.seed()));
        m.put("schedule", cfg.schedule() + "/" + cfg.steps());
        m.put("downsample", String.valueOf(cfg.downsample()));
        m.put("trainLimit", String.valueOf(cfg.trainLimit()));
        m.put("data", cfg.embeddedData() ? "embedded" : String.valueOf(cfg.dataDir()));
        return m;
    }

    private static List<Participant> participants(DiffusionConfig cfg, int size, Map<String, UNet.Config> configs) {
        List<Participant> list = new ArrayList<>();
        if (cfg.teacherCheckpoint() != null) {
            ComputationGraph teacher = loadModel(cfg.teacherCheckpoint(), size);
            configs.put(TEACHER, null);
            list.add(Participant.builder(TEACHER, teacher).role(Role.TEACHER).trainable(false).logits(UNet.NOISE)
                    .tap("feat", UNet.FEAT).build());
        }
        add(list, cfg, size, Role.TEACHER, cfg.teachers(), configs);
        add(list, cfg, size, Role.STUDENT, cfg.students(), configs);
        configs.values().removeIf(java.util.Objects::isNull);
        return list;
    }

    private static void add(List<Participant> list, DiffusionConfig cfg, int size, Role role, List<String> models,
                            Map<String, UNet.Config> configs) {
        String roleName = role == Role.TEACHER ? TEACHER : STUDENT;
        for (int i = 0; i < models.size(); i++) {
            long seed = cfg.seed() + 100L * i + (role == Role.TEACHER ? 1 : 0);
            UNet.Config c = DiffusionZoo.get(models.get(i)).config(1, size, seed,
                    new Adam(TrainingRun.cosineSchedule(cfg.learningRate(), cfg.epochs())));
            String name = ClassificationConfig.networkName(roleName, i, models.size());
            configs.put(name, c);
            list.add(Participant.builder(name, UNet.build(c)).role(role).logits(UNet.NOISE).tap("feat", UNet.FEAT)
                    .build());
        }
    }

    /**
     * Saves the plain DL4J U-Net (a fresh graph of the same configuration holding the trained parameters, so no
     * taps or updater state) with its diffusion settings in the zip.
     */
    static void export(ComputationGraph trained, UNet.Config config, DiffusionConfig cfg, int size, Path file) {
        ComputationGraph plain = UNet.build(config);
        for (var layer : plain.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            if (layer.numParams() > 0) {
                layer.setParams(trained.getLayer(name).params().dup());
            }
        }
        Map<String, Object> settings = Map.of("schedule", cfg.schedule(), "steps", cfg.steps(), "size", size,
                "embedding", config.embedding());
        AtomicFiles.writeVia(file, tmp -> {
            ModelSerializer.writeModel(plain, tmp.toFile(), false);
            ModelSerializer.addObjectToFile(tmp.toFile(), SETTINGS_ENTRY, new ObjectMapper().writeValueAsString(settings));
        });
    }

    /** The diffusion settings stored in an exported U-Net. */
    public record ModelSettings(String schedule, int steps, int size, int embedding) {
        public NoiseSchedule noiseSchedule() {
            return NoiseSchedule.parse(schedule, steps);
        }
    }

    /** Loads an exported U-Net and its settings; clear errors for other files. */
    public static ComputationGraph loadModel(Path file, int expectedSize) {
        ModelSettings s = settings(file);
        Preconditions.checkArgument(expectedSize <= 0 || s.size() == expectedSize, "model %s works on %sx%s images "
                + "but this run uses %sx%s; use --downsample to match", file, s.size(), s.size(), expectedSize,
                expectedSize);
        try {
            return ModelSerializer.restoreComputationGraph(file.toFile(), false);
        } catch (IOException | RuntimeException e) {
            throw new DataFormatException(file + " is not a DL4J ComputationGraph zip: " + e.getMessage(), e);
        }
    }

    public static ModelSettings settings(Path file) {
        Preconditions.checkArgument(Files.isRegularFile(file), "model file %s does not exist; train one with: "
                + "./adm train diffusion --method baseline --student unet-base --out DIR", file);
        String json;
        try {
            json = ModelSerializer.getObjectFromFile(file.toFile(), SETTINGS_ENTRY);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a U-Net saved by adm train diffusion (no "
                    + SETTINGS_ENTRY + " inside); use a student.zip from such a run", e);
        }
        try {
            return new ObjectMapper().readValue(json, ModelSettings.class);
        } catch (IOException e) {
            throw new DataFormatException(file + ": unreadable " + SETTINGS_ENTRY + " (" + e.getMessage() + ")", e);
        }
    }
}
