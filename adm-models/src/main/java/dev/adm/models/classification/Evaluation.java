package dev.adm.models.classification;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/** Top-1 accuracy of a classifier graph (output 0 = logits or probabilities; argmax is the same). */
public final class Evaluation {
    private Evaluation() {
    }

    public static double top1(ComputationGraph graph, DataSetIterator data) {
        long correct = 0;
        long total = 0;
        while (data.hasNext()) {
            DataSet ds = data.next();
            INDArray out = graph.output(false, ds.getFeatures())[0];
            INDArray predicted = out.argMax(1);
            INDArray truth = ds.getLabels().argMax(1);
            correct += predicted.eq(truth).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
            total += ds.numExamples();
        }
        return total == 0 ? Double.NaN : (double) correct / total;
    }
}
