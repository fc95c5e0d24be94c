package dev.adm.core.engine;

import org.deeplearning4j.nn.conf.inputs.InputType;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * A distillation method: it states its losses once, in SameDiff, through a {@link LossScope}; the
 * {@link DistillationEngine} runs them every step. Implementations are small, immutable, registered by
 * name in {@code dev.adm.core.methods.MethodRegistry}, and know nothing about model classes.
 */
public interface DistillationMethod {
    /** The registry name, lower-case (the CLI's {@code --method} value). */
    String name();

    /**
     * How messages name the method: its {@link #name()}; a method built on another names that one too (ADM's
     * {@code adm (on dml)}), so an error raised by the base still names the method the user chose.
     */
    default String displayName() {
        return name();
    }

    /** Declares every loss term; called once when the engine is built. Throws on unsuitable networks. */
    void defineLosses(LossScope scope);

    /**
     * The networks the method trains, given those the user chose: a method that owns trainable parts (a
     * FitNet regressor, an auxiliary peer branch, extra heads) adds them here, with
     * {@link GraphEdits#extend} or {@link GraphEdits#branchFrom}. Called once on freshly built networks,
     * before a checkpoint's graphs (of the same structure) are swapped in.
     *
     * @param images the input type of the images
     */
    default List<Participant> arrange(List<Participant> networks, InputType images) {
        return networks;
    }

    /**
     * The kinds of labels the method's losses are defined on; the engine refuses any other before the first step.
     * By default class labels per image and per pixel (the losses of most methods are defined on both).
     */
    default Set<LabelKind> labelKinds() {
        return EnumSet.of(LabelKind.CLASS, LabelKind.PIXEL);
    }

    /** Whether the method distils from a frozen teacher (offline and semi-online methods). */
    default boolean freezesTeacher() {
        return false;
    }

    /** Whether the method trains one network on its own (it builds any peers inside it, as ONE does). */
    default boolean trainsSingleNetwork() {
        return false;
    }

    /**
     * Whether the method defines the losses of networks' auxiliary heads (tap {@code aux}) itself, as RDD does;
     * otherwise {@link dev.adm.core.methods.AuxiliaryHeadLoss} adds the usual weighted cross-entropy for them.
     */
    default boolean trainsAuxiliaryHeads() {
        return false;
    }

    /** The initial learning rate this method prescribes for networks of a role, if it prescribes one. */
    default OptionalDouble learningRate(Role role) {
        return OptionalDouble.empty();
    }

    /** Values for the {@link LossScope#scalar} inputs at this step (warm-up factors, ramps). */
    default Map<String, Double> stepScalars(int epoch, long iteration) {
        return Map.of();
    }

    /**
     * Whether the method's schedule needs the run's planned number of iterations ({@link #stepScalars(int, long,
     * long)}), so a front end that does not know it must count the batches first.
     */
    default boolean needsPlannedIterations() {
        return false;
    }

    /**
     * As above, knowing the run's planned number of iterations (0 when unknown), for schedules defined as a
     * fraction of training (RDD's stages). The engine calls this one.
     */
    default Map<String, Double> stepScalars(int epoch, long iteration, long plannedIterations) {
        return stepScalars(epoch, iteration);
    }
}
