package dev.adm.models.classification;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.function.Function;

/** Top-1 accuracy of a classifier graph (output 0 = logits or probabilities; argmax is the same). */
public final class Evaluation {
    private Evaluation() {
    }

    public static double top1(ComputationGraph graph, DataSetIterator data) {
        return top1(x -> graph.output(false, x)[0], data);
    }

    /** Top-1 of any predictor of logits or probabilities {@code [B,K]} from a batch of images. */
    public static double top1(Function<INDArray, INDArray> predict, DataSetIterator data) {
        long correct = 0;
        long total = 0;
        while (data.hasNext()) {
            DataSet ds = data.next();
            INDArray out = predict.apply(ds.getFeatures());
            INDArray predicted = out.argMax(1);
            INDArray truth = ds.getLabels().argMax(1);
            correct += predicted.eq(truth).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
            total += ds.numExamples();
        }
        return total == 0 ? Double.NaN : (double) correct / total;
    }
}
