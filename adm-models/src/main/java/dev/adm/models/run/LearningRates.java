package dev.adm.models.run;

import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import java.util.HashMap;
import java.util.Map;

/** The learning-rate schedule every task uses: cosine annealing from the initial rate, one value per epoch. */
public final class LearningRates {
    private LearningRates() {
    }

    /** Cosine annealing from {@code base}, one value per epoch, as a built-in DL4J schedule (it is serialised). */
    public static MapSchedule cosineSchedule(double base, int epochs) {
        Map<Integer, Double> lr = new HashMap<>();
        for (int e = 0; e < epochs; e++) {
            lr.put(e, cosineRate(base, e, epochs));
        }
        return new MapSchedule(ScheduleType.EPOCH, lr);
    }

    /** SGD with Nesterov momentum 0.9 and the rate cosine-annealed from {@code base} per epoch (CIFAR practice). */
    public static Nesterovs cosineNesterov(double base, int epochs) {
        return new Nesterovs(cosineSchedule(base, epochs), 0.9);
    }

    /** The cosine-annealed rate at an epoch. */
    public static double cosineRate(double base, int epoch, int epochs) {
        return base * 0.5 * (1 + Math.cos(Math.PI * epoch / epochs));
    }
}
