package dev.adm.spark;

import dev.adm.models.run.ExportFiles;
import dev.adm.models.run.MinibatchFile;
import dev.adm.models.run.StepBatches;
import java.io.Serializable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * One step's minibatch on its way to a worker: its arrays in ND4J's byte form ({@link Arrays}), or the file of an
 * export the worker reads it from ({@link Stored}), so that the driver never handles an exported batch's bytes.
 */
sealed interface Minibatch extends Serializable permits Minibatch.Arrays, Minibatch.Stored {
    /** The examples in the minibatch. */
    long size();

    /** The minibatch's arrays, read through {@code files} if it is stored. */
    StepBatches.Batch batch(ExportFiles files);

    /** The minibatch as the run loop hands it over: stored batches stay files. */
    static Minibatch of(StepBatches.Batch b) {
        return b.file().<Minibatch>map(f -> new Stored(f, b.size())).orElseGet(() -> of(b.features(), b.labels()));
    }

    static Minibatch of(INDArray[] features, INDArray labels) {
        byte[][] f = new byte[features.length][];
        for (int i = 0; i < f.length; i++) {
            f[i] = EngineState.toBytes(features[i]);
        }
        return new Arrays(f, EngineState.toBytes(labels), features[0].size(0));
    }

    static Minibatch of(DataSet d) {
        return of(new INDArray[]{d.getFeatures()}, d.getLabels());
    }

    static Minibatch of(MultiDataSet d) {
        return of(d.getFeatures(), d.getLabels(0));
    }

    /** A minibatch's inputs (one array per network input) and labels, in bytes. */
    record Arrays(byte[][] features, byte[] labels, long size) implements Minibatch {
        @Override
        public StepBatches.Batch batch(ExportFiles files) {
            INDArray[] out = new INDArray[features.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = EngineState.fromBytes(features[i]);
            }
            return new StepBatches.Batch(out, EngineState.fromBytes(labels));
        }
    }

    /** A minibatch of an export, read by the worker that trains on it (checked against its size as it is read). */
    record Stored(MinibatchFile file, long size) implements Minibatch {
        @Override
        public StepBatches.Batch batch(ExportFiles files) {
            return StepBatches.Batch.stored(file, size, files);
        }
    }
}
