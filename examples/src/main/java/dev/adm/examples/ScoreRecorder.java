package dev.adm.examples;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

import java.util.ArrayList;
import java.util.List;

/** A DL4J listener keeping every iteration's score: the network's own total loss under the method. */
public final class ScoreRecorder extends BaseTrainingListener {
    private final List<Double> scores = new ArrayList<>();

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        scores.add(model.score());
    }

    public List<Double> scores() {
        return List.copyOf(scores);
    }

    /** Mean of the first and of the last {@code n} scores: [first, last]. */
    public double[] firstAndLast(int n) {
        return new double[]{mean(scores.subList(0, n)), mean(scores.subList(scores.size() - n, scores.size()))};
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
