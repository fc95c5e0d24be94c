package dev.adm.models.run;

import dev.adm.models.data.EpochIterator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The training batches of an epoch as the engine takes them: one array per network input and the labels (one-hot
 * classes or regression targets). A fixed number of batches per epoch, the same for a given epoch every time.
 */
public interface StepBatches {
    /** One step's inputs and labels. */
    record Batch(INDArray[] features, INDArray labels) {
        public long size() {
            return features[0].size(0);
        }
    }

    /** Positions the batches at the start of an epoch. */
    void setEpoch(int epoch);

    int batchesPerEpoch();

    boolean hasNext();

    Batch next();

    /** A DL4J iterator of single-input {@link DataSet}s as step batches. */
    static StepBatches of(EpochIterator data) {
        return new StepBatches() {
            @Override
            public void setEpoch(int epoch) {
                data.setEpoch(epoch);
            }

            @Override
            public int batchesPerEpoch() {
                return data.batchesPerEpoch();
            }

            @Override
            public boolean hasNext() {
                return data.hasNext();
            }

            @Override
            public Batch next() {
                DataSet d = data.next();
                return new Batch(new INDArray[]{d.getFeatures()}, d.getLabels());
            }
        };
    }
}
