package dev.adm.models.run;

import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.methods.AdmMethod;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

/**
 * An ADM variant of an experiment set against its base method over the same seeds ({@code adm} against
 * {@code dml}, {@code adm-kd} against {@code kd}, an ablation's {@code adm} variants against {@code dml} and against
 * {@code adm}; ADM's plain row also against every variant of its base, such as a control with a larger distillation
 * weight): the per-seed differences of the student's score and, when the teacher trains, of the teacher's, over the
 * seeds both rows have, trained on the same processor (processors round differently, so a seed's two runs on two of
 * them differ by more than the method).
 *
 * @param variant the ADM variant's row
 * @param base    the base method's row (its variant without parameter overrides, when the experiment has one), or
 *                ADM's own row without overrides
 * @param student the student's score, variant minus base
 * @param teacher the teacher's score, variant minus base; null when the teacher is frozen (the same for both)
 * @param extra   the student's further result (the experiment's extra column, such as diffusion's FID), variant minus
 *                base; null when the experiment has none or a run lacks it
 */
public record PairedComparison(ExperimentRunner.Row variant, ExperimentRunner.Row base, PairedDifference student,
                               PairedDifference teacher, PairedDifference extra) {
    private static final Logger log = LoggerFactory.getLogger(PairedComparison.class);

    /**
     * Every ADM row whose base method is also a row, paired with it, in the rows' order; an ADM row without parameter
     * overrides is paired with each row of its base (the plain one first), one with overrides (an ablation's or a
     * sweep's) with the plain base and then with ADM's own row without overrides, which is how much the variant's
     * change moves ADM.
     */
    public static List<PairedComparison> of(List<ExperimentRunner.Row> rows) {
        return of(rows, null);
    }

    /** As {@link #of(List)}, with the student's {@code extra} result (null: none) paired too. */
    public static List<PairedComparison> of(List<ExperimentRunner.Row> rows, ExperimentRunner.Extra extra) {
        List<PairedComparison> out = new ArrayList<>();
        for (ExperimentRunner.Row r : rows) {
            DistillationMethod m = r.variant().create();
            if (!(m instanceof AdmMethod adm)) {
                continue;
            }
            List<ExperimentRunner.Row> bases = baseRows(rows, adm.base().name());
            if (!r.variant().params().isEmpty()) {
                // an ADM variant against the plain base (else the first) alone, then against ADM's default row
                bases = new ArrayList<>(bases.subList(0, Math.min(1, bases.size())));
                plainRow(rows, r.variant().method()).ifPresent(bases::add);
            }
            boolean teacherTrains = !m.freezesTeacher() && !m.trainsSingleNetwork();
            for (ExperimentRunner.Row b : bases) {
                List<Integer> seeds = pairedSeeds(r, b);
                if (seeds.isEmpty()) {
                    continue;
                }
                PairedDifference further = extra == null ? null : difference(r, b, seeds,
                        run -> RunReport.studentResult(run.dir(), extra.resultKey()));
                out.add(new PairedComparison(r, b, difference(r, b, seeds, run -> run.finalScore(RunSettings.STUDENT)),
                        teacherTrains ? difference(r, b, seeds, run -> run.finalScore(RunSettings.TEACHER)) : null,
                        further != null && Arrays.stream(further.differences()).allMatch(Double::isFinite) ? further
                                : null));
            }
        }
        return out;
    }

    /** The method's row without parameter overrides, if the experiment has one. */
    private static Optional<ExperimentRunner.Row> plainRow(List<ExperimentRunner.Row> rows, String method) {
        return baseRows(rows, method).stream().findFirst().filter(r -> r.variant().params().isEmpty());
    }

    /** The rows of the base method, its plain variant first. */
    private static List<ExperimentRunner.Row> baseRows(List<ExperimentRunner.Row> rows, String method) {
        List<ExperimentRunner.Row> of = new ArrayList<>(rows.stream().filter(r -> r.variant().method().equals(method))
                .toList());
        of.sort(java.util.Comparator.comparing(r -> !r.variant().params().isEmpty()));
        return of;
    }

    /**
     * The seeds (indices) both rows have (every row starts at the experiment's first seed) whose two runs name the
     * same processor (or both none).
     */
    private static List<Integer> pairedSeeds(ExperimentRunner.Row a, ExperimentRunner.Row b) {
        int common = Math.min(a.runs().size(), b.runs().size());
        List<Integer> kept = IntStream.range(0, common).filter(i -> Objects.equals(a.runs().get(i).processor(),
                b.runs().get(i).processor())).boxed().toList();
        if (kept.size() < common) {
            log.warn("{} against {}: {} of {} seeds left unpaired, their runs trained on different processors",
                    a.variant().label(), b.variant().label(), common - kept.size(), common);
        }
        return kept;
    }

    private static PairedDifference difference(ExperimentRunner.Row a, ExperimentRunner.Row b, List<Integer> seeds,
                                               ToDoubleFunction<ExperimentRunner.RunOutcome> score) {
        return PairedDifference.of(seeds.stream().mapToDouble(i -> score.applyAsDouble(a.runs().get(i))).toArray(),
                seeds.stream().mapToDouble(i -> score.applyAsDouble(b.runs().get(i))).toArray());
    }

    /** One network's final score per seed, in seed order (with several of its role, their mean). */
    static double[] scores(ExperimentRunner.Row row, String network) {
        return row.runs().stream().mapToDouble(r -> r.finalScore(network)).toArray();
    }
}
