package dev.adm.models.data;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.NoSuchElementException;

/**
 * What the project's iterators share: a fixed number of examples per epoch, in an {@link EpochOrder}
 * (shuffled or not) that depends only on the seed and the epoch, DL4J's iterator plumbing around it, and
 * {@link #reset()} moving on to the next epoch. Subclasses build the batch of given example positions.
 */
public abstract class EpochIterator implements DataSetIterator {
    private final int size;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private DataSetPreProcessor preProcessor;
    private int epoch;
    private EpochOrder order;
    private int cursor;

    protected EpochIterator(int size, int batchSize, boolean shuffle, long seed) {
        this.size = size;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        setEpoch(0);
    }

    /** The batch of the examples at positions {@code [from, from + n)} of this epoch's order. */
    protected abstract DataSet batch(EpochOrder order, int from, int n);

    /** Positions the iterator at the start of the given epoch (its own order and augmentation). */
    public final void setEpoch(int epoch) {
        this.epoch = epoch;
        this.order = EpochOrder.of(size, shuffle, seed, epoch);
        this.cursor = 0;
    }

    public final int epoch() {
        return epoch;
    }

    public final int numExamples() {
        return size;
    }

    public final int batchesPerEpoch() {
        return (size + batchSize - 1) / batchSize;
    }

    @Override
    public final DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch " + epoch + " is exhausted; call reset()");
        }
        int n = Math.min(num, size - cursor);
        DataSet ds = batch(order, cursor, n);
        cursor += n;
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public final DataSet next() {
        return next(batchSize);
    }

    @Override
    public final boolean hasNext() {
        return cursor < size;
    }

    @Override
    public final boolean resetSupported() {
        return true;
    }

    @Override
    public final boolean asyncSupported() {
        return true;
    }

    /** Starts the next epoch (DL4J's reset contract: iterate again). */
    @Override
    public final void reset() {
        setEpoch(epoch + 1);
    }

    @Override
    public final int batch() {
        return batchSize;
    }

    @Override
    public final void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public final DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }
}
