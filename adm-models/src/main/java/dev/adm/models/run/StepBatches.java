package dev.adm.models.run;

import com.google.common.base.Preconditions;
import dev.adm.models.data.EpochIterator;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The training batches of an epoch as the engine takes them: one array per network input and the labels (one-hot
 * classes or regression targets). A fixed number of batches per epoch, the same for a given epoch every time.
 */
public interface StepBatches {
    /**
     * One step's inputs and labels: in memory, or {@linkplain #stored stored} in an export's file, read when first
     * asked for (a cluster's workers read such a batch themselves, and the process that plans the steps never does).
     */
    final class Batch {
        private final MinibatchFile file;
        private final long size;
        private final ExportFiles files;
        private INDArray[] features;
        private INDArray labels;

        public Batch(INDArray[] features, INDArray labels) {
            this.file = null;
            this.files = null;
            this.features = Preconditions.checkNotNull(features, "features");
            this.labels = Preconditions.checkNotNull(labels, "labels");
            this.size = features[0].size(0);
        }

        private Batch(MinibatchFile file, long size, ExportFiles files) {
            this.file = file;
            this.size = size;
            this.files = files;
        }

        /** The batch of {@code size} examples in {@code file}, read through {@code files} when first asked for. */
        public static Batch stored(MinibatchFile file, long size, ExportFiles files) {
            return new Batch(Preconditions.checkNotNull(file, "file"), size, Preconditions.checkNotNull(files,
                    "files"));
        }

        public INDArray[] features() {
            load();
            return features;
        }

        public INDArray labels() {
            load();
            return labels;
        }

        /** The examples in the batch (known without reading a stored one). */
        public long size() {
            return size;
        }

        /** The file the batch is stored in, for a stored batch. */
        public Optional<MinibatchFile> file() {
            return Optional.ofNullable(file);
        }

        private void load() {
            if (features == null) {
                Batch read = file.read(files);
                Preconditions.checkState(read.size == size, "%s holds %s examples, its export says %s", file.path(),
                        read.size, size);
                features = read.features;
                labels = read.labels;
            }
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
