package dev.adm.models.run;

import dev.adm.core.engine.Participant;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * A way to train a run's steps on other machines, found on the class path with {@link ServiceLoader} (adm-spark
 * provides {@code spark}); the run loop stays the same, with the {@link StepRunner} it opens.
 */
public interface DistributedTraining {
    /** What the run trains, as it builds its engine: enough for another machine to build the same one. */
    record Setup(String method, Map<String, String> methodParams, MethodAdapter adapter, List<Participant> participants,
                 InputType[] inputTypes, long[] labelShape, boolean regressionTargets) {
    }

    /** The name the settings select it by ({@code spark}). */
    String name();

    /**
     * A runner for the run of {@code settings}; {@code setup}'s graphs are as the run built them, before its
     * engine is made (they are read here, not kept).
     */
    StepRunner open(RunSettings settings, Setup setup);

    /** The provider named {@code name} on the class path; none is an error that says what to add. */
    static DistributedTraining named(String name) {
        for (DistributedTraining t : ServiceLoader.load(DistributedTraining.class)) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("training on " + name + " needs the adm-" + name + " module on the class "
                + "path (the adm launcher adds it for --" + name + "; in your own build, depend on dev.adm:adm-"
                + name + ")");
    }
}
