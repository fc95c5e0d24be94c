package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import dev.adm.models.data.EpochOrder;
import dev.adm.models.run.StepBatches;
import org.nd4j.linalg.dataset.MultiDataSet;

import java.util.SplittableRandom;

/**
 * Training batches of a denoising epoch: images in a shuffled order per epoch, each with a random step and noise,
 * all drawn from generators seeded by (seed, epoch, batch), so an epoch is the same every time it is run (a resumed
 * run sees the batches an uninterrupted one would).
 */
public final class DenoisingBatches implements StepBatches {
    private final DenoisingData data;
    private final NoiseSchedule schedule;
    private final int embedding;
    private final int batchSize;
    private final long seed;
    private EpochOrder order;
    private int epoch;
    private int cursor;
    private int batch;

    public DenoisingBatches(DenoisingData data, NoiseSchedule schedule, int embedding, int batchSize, long seed) {
        Preconditions.checkArgument(batchSize >= 1, "batch size must be >= 1, got %s", batchSize);
        this.data = data;
        this.schedule = schedule;
        this.embedding = embedding;
        this.batchSize = batchSize;
        this.seed = seed;
        setEpoch(0);
    }

    @Override
    public void setEpoch(int epoch) {
        this.epoch = epoch;
        this.order = EpochOrder.of(data.count(), true, seed, epoch);
        this.cursor = 0;
        this.batch = 0;
    }

    @Override
    public int batchesPerEpoch() {
        return (data.count() + batchSize - 1) / batchSize;
    }

    @Override
    public boolean hasNext() {
        return cursor < data.count();
    }

    @Override
    public Batch next() {
        int n = Math.min(batchSize, data.count() - cursor);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = order.get(cursor + i);
        }
        cursor += n;
        SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + epoch * 7_919L + batch++);
        MultiDataSet m = data.batch(idx, schedule, embedding, rnd);
        return new Batch(m.getFeatures(), m.getLabels(0));
    }
}
