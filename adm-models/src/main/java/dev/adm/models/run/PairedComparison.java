package dev.adm.models.run;

import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.methods.AdmMethod;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * An ADM variant of an experiment set against its base method over the same seeds ({@code adm} against
 * {@code dml}, {@code adm-kd} against {@code kd}, an ablation's {@code adm} variants against {@code dml}): the
 * per-seed differences of the student's score and, when the teacher trains, of the teacher's, over the seeds both
 * rows have.
 *
 * @param variant the ADM variant's row
 * @param base    the base method's row (its variant without parameter overrides, when the experiment has one)
 * @param student the student's score, variant minus base
 * @param teacher the teacher's score, variant minus base; null when the teacher is frozen (the same for both)
 */
public record PairedComparison(ExperimentRunner.Row variant, ExperimentRunner.Row base, PairedDifference student,
                               PairedDifference teacher) {

    /** Every ADM row whose base method is also a row, paired with it, in the rows' order. */
    public static List<PairedComparison> of(List<ExperimentRunner.Row> rows) {
        List<PairedComparison> out = new ArrayList<>();
        for (ExperimentRunner.Row r : rows) {
            DistillationMethod m = r.variant().create();
            if (!(m instanceof AdmMethod adm)) {
                continue;
            }
            baseRow(rows, adm.base().name()).ifPresent(b -> {
                boolean teacherTrains = !m.freezesTeacher() && !m.trainsSingleNetwork();
                out.add(new PairedComparison(r, b, difference(r, b, RunSettings.STUDENT),
                        teacherTrains ? difference(r, b, RunSettings.TEACHER) : null));
            });
        }
        return out;
    }

    /** The row of the base method: its plain variant, else its first variant. */
    private static Optional<ExperimentRunner.Row> baseRow(List<ExperimentRunner.Row> rows, String method) {
        List<ExperimentRunner.Row> of = rows.stream().filter(r -> r.variant().method().equals(method)).toList();
        return of.stream().filter(r -> r.variant().params().isEmpty()).findFirst().or(() -> of.stream().findFirst());
    }

    /** Over the seeds both rows have (every row starts at the experiment's first seed). */
    private static PairedDifference difference(ExperimentRunner.Row a, ExperimentRunner.Row b, String network) {
        int common = Math.min(a.runs().size(), b.runs().size());
        return PairedDifference.of(Arrays.copyOf(scores(a, network), common), Arrays.copyOf(scores(b, network),
                common));
    }

    /** One network's final score per seed, in seed order (with several of its role, their mean). */
    static double[] scores(ExperimentRunner.Row row, String network) {
        return row.runs().stream().mapToDouble(r -> r.finalScore(network)).toArray();
    }
}
