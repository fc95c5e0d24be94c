package dev.adm.spark;

import java.io.Serializable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** One step's inputs (one array per network input) and labels, in ND4J's byte form for the trip to a worker. */
record Minibatch(byte[][] features, byte[] labels, long size) implements Serializable {

    static Minibatch of(INDArray[] features, INDArray labels) {
        byte[][] f = new byte[features.length][];
        for (int i = 0; i < f.length; i++) {
            f[i] = EngineState.toBytes(features[i]);
        }
        return new Minibatch(f, EngineState.toBytes(labels), features[0].size(0));
    }

    static Minibatch of(DataSet d) {
        return of(new INDArray[] {d.getFeatures()}, d.getLabels());
    }

    INDArray[] featureArrays() {
        INDArray[] out = new INDArray[features.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = EngineState.fromBytes(features[i]);
        }
        return out;
    }

    INDArray labelArray() {
        return EngineState.fromBytes(labels);
    }
}
