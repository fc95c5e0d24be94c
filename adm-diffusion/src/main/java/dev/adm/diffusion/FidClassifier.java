package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import dev.adm.models.data.DataFormatException;
import dev.adm.models.data.EpochOrder;
import dev.adm.models.run.AtomicFiles;
import dev.adm.models.zoo.ModelConfig;
import dev.adm.models.zoo.ModelZoo;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The feature network of the project's FID: the zoo's {@code resnet8} trained to classify Fashion-MNIST images
 * prepared exactly as the diffusion models see them (size, padding, {@code [-1, 1]}), trained on first use and
 * cached as a zip; its features are the 64 globally pooled channels ({@code pool}). This is a Fashion-MNIST
 * feature FID, not the Inception FID of the literature: numbers compare models here, not with papers.
 */
public final class FidClassifier {
    private static final Logger log = LoggerFactory.getLogger(FidClassifier.class);
    private static final String FEATURES = "pool";

    /** The epochs the diffusion runs' classifier trains. */
    public static final int EPOCHS = 4;

    private final ComputationGraph net;
    private final String name;

    private FidClassifier(ComputationGraph net, String name) {
        this.net = net;
        this.name = name;
    }

    /**
     * The file of the classifier trained on {@code train} for {@code epochs} epochs from {@code seed}: named by the
     * image size, the training images' count, the epochs and the seed, so a classifier trained on other data is never
     * taken for this one (FIDs measured with two different feature networks do not compare).
     */
    public static String fileName(DenoisingData train, int epochs, long seed) {
        return String.format(java.util.Locale.ROOT, "fid-resnet8-%dpx-%d-images-%d-epochs-seed%d.zip", train.size(),
                train.count(), epochs, seed);
    }

    /**
     * Loads the classifier {@link #fileName} names in {@code dir}, or trains it for {@code epochs} epochs and saves it
     * there (atomically).
     */
    public static FidClassifier trainOrLoad(Path dir, DenoisingData train, DenoisingData test, int epochs, long seed) {
        String name = fileName(train, epochs, seed);
        Path cache = dir.resolve(name);
        if (Files.isRegularFile(cache)) {
            try {
                ComputationGraph g = ModelSerializer.restoreComputationGraph(cache.toFile(), false);
                long size = g.getConfiguration().getLayerActivationTypes(
                        org.deeplearning4j.nn.conf.inputs.InputType.convolutional(train.size(), train.size(), 1))
                        .get(FEATURES).arrayElementsPerExample();
                Preconditions.checkState(size > 0);
                log.info("FID features from {}", cache);
                return new FidClassifier(g, name);
            } catch (IOException | RuntimeException e) {
                throw new DataFormatException("FID classifier " + cache + " is unreadable or for another image size ("
                        + e.getMessage() + "); delete it to train a new one", e);
            }
        }
        ComputationGraph g = ModelZoo.get("resnet8").build(ModelConfig.builder().input(1, train.size(), train.size())
                .classes(train.numClasses()).seed(seed).updater(new Adam(2e-3)).build());
        for (int epoch = 0; epoch < epochs; epoch++) {
            EpochOrder order = EpochOrder.of(train.count(), true, seed, epoch);
            for (int from = 0; from < train.count(); from += 128) {
                int[] idx = new int[Math.min(128, train.count() - from)];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = order.get(from + i);
                }
                g.fit(new DataSet(train.clean(idx), oneHot(train, idx)));
            }
        }
        FidClassifier c = new FidClassifier(g, name);
        log.info("FID classifier trained on {} images for {} epochs: test top-1 {}", train.count(), epochs,
                String.format(java.util.Locale.ROOT, "%.2f%%", 100 * c.accuracy(test, Math.min(test.count(), 2000))));
        AtomicFiles.writeVia(cache, tmp -> ModelSerializer.writeModel(g, tmp.toFile(), false));
        return c;
    }

    /** The classifier's file name ({@link #fileName}): which feature network a run's FIDs were measured with. */
    public String name() {
        return name;
    }

    private static INDArray oneHot(DenoisingData data, int[] idx) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, idx.length, data.numClasses());
        for (int i = 0; i < idx.length; i++) {
            y.putScalar(i, data.label(idx[i]), 1f);
        }
        return y;
    }

    /** Top-1 on the first {@code n} images of {@code data}. */
    public double accuracy(DenoisingData data, int n) {
        long correct = 0;
        for (int from = 0; from < n; from += 256) {
            int[] idx = range(from, Math.min(n, from + 256));
            int[] predicted = net.output(false, data.clean(idx))[0].argMax(1).toIntVector();
            for (int i = 0; i < idx.length; i++) {
                correct += predicted[i] == data.label(idx[i]) ? 1 : 0;
            }
        }
        return (double) correct / n;
    }

    /**
     * The share of images {@code [N,1,s,s]} (in {@code [-1, 1]}) that the classifier gives one class with probability
     * above {@code threshold}: near 1 for real images, low for samples that look like no garment.
     */
    public double confidentShare(INDArray images, double threshold) {
        long confident = 0;
        for (long from = 0; from < images.size(0); from += 256) {
            long to = Math.min(images.size(0), from + 256);
            INDArray p = net.output(false, images.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)))[0];
            INDArray top = p.max(1);
            for (long i = 0; i < top.length(); i++) {
                confident += top.getDouble(i) > threshold ? 1 : 0;
            }
        }
        return (double) confident / images.size(0);
    }

    /** Features {@code [N,64]} of images {@code [N,1,s,s]} in {@code [-1, 1]}. */
    public INDArray features(INDArray images) {
        List<INDArray> parts = new ArrayList<>();
        for (long from = 0; from < images.size(0); from += 256) {
            long to = Math.min(images.size(0), from + 256);
            INDArray chunk = images.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to));
            parts.add(net.feedForward(new INDArray[]{chunk}, false, false).get(FEATURES).castTo(DataType.DOUBLE));
        }
        return Nd4j.vstack(parts.toArray(new INDArray[0]));
    }

    /** Features of the first {@code n} images of {@code data}. */
    public INDArray features(DenoisingData data, int n) {
        return features(data.clean(range(0, n)));
    }

    static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }
}
