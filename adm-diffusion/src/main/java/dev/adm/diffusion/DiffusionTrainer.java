package dev.adm.diffusion;

import dev.adm.core.engine.DistillationEngine;
import dev.adm.core.engine.Role;
import dev.adm.core.engine.Taps;
import dev.adm.models.data.Datasets;
import dev.adm.models.data.ImageSet;
import dev.adm.models.data.Splits;
import dev.adm.models.run.DistillationRun;
import dev.adm.models.run.EpochRecord;
import dev.adm.models.run.ExperimentRunner;
import dev.adm.models.run.LearningRates;
import dev.adm.models.run.RunResult;
import dev.adm.models.run.RunSettings;
import dev.adm.models.run.Task;
import dev.adm.models.run.TrainingRun;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The diffusion task: U-Nets on Fashion-MNIST trained on denoising batches (regression targets: the noise), scored
 * after each epoch by their held-out denoising MSE (mean over five noise levels; lower is better); at the end DDIM
 * samples per network ({@code samples-<network>.png}), each network's FID on the features of a Fashion-MNIST
 * classifier ({@link FidClassifier}), and the trained U-Nets ({@code student.zip}, see {@link UNetFiles}).
 * {@link #run} trains one configuration.
 */
public final class DiffusionTrainer implements Task {
    public static final TrainingRun.Metric METRIC = new TrainingRun.Metric("mse", "denoising MSE", false, "Mse");
    private static final Logger log = LoggerFactory.getLogger(DiffusionTrainer.class);
    private static final int EMBEDDING = DiffusionZoo.EMBEDDING;

    private final DiffusionConfig cfg;
    private final Map<String, UNet.Config> configs = new LinkedHashMap<>(); // the U-Nets built here, for export
    private DenoisingData train;
    private ImageSet fullTrain; // every training image, whatever the run's limit: what the FID classifier learns
    private DenoisingData test;
    private NoiseSchedule schedule;
    private int[] evalSteps;
    private FidClassifier fidNet; // with the real floor: loaded on the first FID, then reused
    private RealFloor floor;

    DiffusionTrainer(DiffusionConfig cfg) {
        this.cfg = cfg;
    }

    /** Trains (or resumes) the run {@code cfg} describes and writes its run directory. */
    public static RunResult run(DiffusionConfig cfg) {
        return DistillationRun.run(cfg);
    }

    @Override
    public String name() {
        return "diffusion";
    }

    @Override
    public TrainingRun.Metric metric() {
        return METRIC;
    }

    @Override
    public Map<String, String> resumeSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("schedule", cfg.schedule() + "/" + cfg.steps());
        m.put("downsample", String.valueOf(cfg.downsample()));
        m.put("trainLimit", String.valueOf(cfg.trainLimit()));
        m.put("data", cfg.embeddedData() ? "embedded" : String.valueOf(cfg.dataDir()));
        return m;
    }

    @Override
    public Data load() {
        Splits all = Datasets.load("fashion-mnist", cfg.dataDir(), cfg.embeddedData(), 28);
        fullTrain = all.train();
        Splits data = all.limitTrain(cfg.trainLimit());
        train = new DenoisingData(data.train(), cfg.downsample());
        test = new DenoisingData(data.test(), cfg.downsample());
        schedule = NoiseSchedule.parse(cfg.schedule(), cfg.steps());
        evalSteps = DenoisingEvaluation.defaultSteps(schedule);
        int size = train.size();
        log.info("{} training images at {}x{}", train.count(), size, size);
        return new Data(new DenoisingBatches(train, schedule, EMBEDDING, cfg.run().batchSize(), cfg.run().seed()),
                new InputType[]{InputType.convolutional(size, size, 1), InputType.feedForward(EMBEDDING)},
                new long[]{1, size, size}, true, data.source());
    }

    @Override
    public Network build(String model, String name, Role role, long seed, double learningRate) {
        UNet.Config c = DiffusionZoo.get(model).config(1, train.size(), seed,
                new Adam(LearningRates.cosineSchedule(learningRate, cfg.run().epochs())));
        configs.put(name, c);
        return new Network(UNet.build(c), UNet.NOISE, Map.of(Taps.FEAT, UNet.FEAT));
    }

    @Override
    public Network loadTeacher(Path file) {
        return new Network(UNetFiles.load(file, train.size()), UNet.NOISE, Map.of(Taps.FEAT, UNet.FEAT));
    }

    @Override
    public Map<String, Double> score(DistillationEngine engine) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (var ref : engine.networks()) {
            out.put(ref.name(), DenoisingEvaluation.mse(model(engine, ref.name()), test, cfg.evalImages(), evalSteps,
                    schedule, EMBEDDING).values().stream().mapToDouble(Double::doubleValue).average().orElseThrow());
        }
        return out;
    }

    @Override
    public void export(ComputationGraph graph, String network, Path file) {
        UNetFiles.export(graph, configs.get(network), cfg.schedule(), cfg.steps(), train.size(), file);
    }

    @Override
    public Outcome finish(DistillationEngine engine, List<EpochRecord> history, Path outDir) {
        int size = train.size();
        Map<String, Map<Integer, Double>> byStep = new LinkedHashMap<>();
        Map<String, Double> finalMse = new LinkedHashMap<>();
        Map<String, Double> fid = new LinkedHashMap<>();
        Map<String, Double> confident = new LinkedHashMap<>();
        Map<String, Object> results = new LinkedHashMap<>();
        double floor = Double.NaN;
        if (cfg.fidSamples() > 0) {
            RealFloor f = realFloor();
            floor = f.fid();
            results.put("fidFloor", floor);
            results.put("fidFloorSamples", f.samples());
            results.put("realConfidentShare", f.confidentShare());
            results.put("fidClassifier", fidNet.name());
            results.put("fidClassifierTestTop1", fidNet.accuracy(test, Math.min(test.count(), 2000)));
        }
        long seed = cfg.run().seed();
        for (var ref : engine.networks()) {
            Samplers.NoiseModel model = model(engine, ref.name());
            Map<Integer, Double> m = DenoisingEvaluation.mse(model, test, cfg.evalImages(), evalSteps, schedule,
                    EMBEDDING);
            byStep.put(ref.name(), m);
            finalMse.put(ref.name(), m.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow());
            int n = Math.max(cfg.samples(), cfg.fidSamples());
            if (n == 0) {
                continue;
            }
            INDArray samples = sample(model, n);
            if (cfg.samples() > 0) {
                INDArray shown = samples.get(NDArrayIndex.interval(0, cfg.samples()));
                SampleGrid.write(outDir.resolve("samples-" + ref.name() + ".png"), shown,
                        (int) Math.ceil(Math.sqrt(cfg.samples())), Math.max(1, 84 / size));
            }
            if (cfg.fidSamples() > 0) {
                INDArray forFid = samples.get(NDArrayIndex.interval(0, cfg.fidSamples()));
                fid.put(ref.name(), fid(forFid));
                confident.put(ref.name(), fidNet.confidentShare(forFid, RealFloor.CONFIDENT));
                log.info("{}: FID {} (floor {}; {} DDIM samples of {} steps), {}% classified with p > {}", ref.name(),
                        String.format(Locale.ROOT, "%.2f", fid.get(ref.name())),
                        String.format(Locale.ROOT, "%.2f", floor), cfg.fidSamples(), cfg.samplingSteps(),
                        String.format(Locale.ROOT, "%.1f", 100 * confident.get(ref.name())), RealFloor.CONFIDENT);
            }
        }
        results.put("schedule", cfg.schedule() + "/" + cfg.steps());
        results.put("imageSize", size);
        results.put("mseByStep", byStep);
        results.put("finalFid", fid);
        results.put("confidentShare", confident);
        return new Outcome(finalMse, fid.isEmpty() ? Map.of() : Map.of("FID", fid), results);
    }

    /** With {@code --fid-every}: each network's FID and confident share, as at the end, every so many epochs. */
    @Override
    public Map<String, Double> measure(DistillationEngine engine, int epoch) {
        if (cfg.fidEvery() == 0 || epoch % cfg.fidEvery() != 0) {
            return Map.of();
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (var ref : engine.networks()) {
            INDArray samples = sample(model(engine, ref.name()), cfg.fidSamples());
            out.put("fid:" + ref.name(), fid(samples));
            out.put("confident:" + ref.name(), fidNet.confidentShare(samples, RealFloor.CONFIDENT));
            log.info("epoch {}, {}: FID {} (floor {})", epoch, ref.name(),
                    String.format(Locale.ROOT, "%.2f", out.get("fid:" + ref.name())),
                    String.format(Locale.ROOT, "%.2f", floor.fid()));
        }
        return out;
    }

    /** {@code n} DDIM samples; the same noise for every network and every call (chunks of 250, seeded by index). */
    private INDArray sample(Samplers.NoiseModel model, int n) {
        int size = train.size();
        long seed = cfg.run().seed();
        List<INDArray> chunks = new ArrayList<>();
        for (int from = 0; from < n; from += 250) {
            chunks.add(Samplers.ddim(model, schedule, new long[]{Math.min(250, n - from), 1, size, size},
                    cfg.samplingSteps(), seed * 31 + from));
        }
        return Nd4j.concat(0, chunks.toArray(new INDArray[0]));
    }

    /** The FID of samples against the real reference images. */
    private double fid(INDArray samples) {
        RealFloor f = realFloor();
        return FrechetDistance.between(f.reference(), FrechetDistance.Moments.of(fidNet.features(samples)));
    }

    private RealFloor realFloor() {
        if (floor == null) {
            // one measuring instrument for every run on this data, however many images a run trains on
            DenoisingData all = new DenoisingData(fullTrain, cfg.downsample());
            fidNet = FidClassifier.trainOrLoad(cfg.fidClassifier(), all, test, FidClassifier.EPOCHS, 1);
            floor = RealFloor.of(fidNet, test, cfg.fidSamples());
            log.info("FID floor {}: the FID of {} real test images against the reference images; {}% of real images "
                    + "are classified with p > {}", String.format(Locale.ROOT, "%.2f", floor.fid()), floor.samples(),
                    String.format(Locale.ROOT, "%.1f", 100 * floor.confidentShare()), RealFloor.CONFIDENT);
        }
        return floor;
    }

    @Override
    public String experimentTeacherFile() {
        return RunSettings.TEACHER + ".zip";
    }

    @Override
    public ExperimentRunner.Extra experimentColumn() {
        return cfg.fidSamples() > 0 ? new ExperimentRunner.Extra("finalFid", "FID") : null;
    }

    private static Samplers.NoiseModel model(DistillationEngine engine, String network) {
        return (xt, t) -> engine.predict(network, xt, TimestepEmbedding.of(t, EMBEDDING, xt.dataType()));
    }
}
