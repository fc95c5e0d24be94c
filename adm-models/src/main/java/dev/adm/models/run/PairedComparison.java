package dev.adm.models.run;

import dev.adm.core.engine.DistillationMethod;
import dev.adm.core.methods.AdmMethod;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * An ADM variant of an experiment set against its base method over the same seeds ({@code adm} against
 * {@code dml}, {@code adm-kd} against {@code kd}, an ablation's {@code adm} variants against {@code dml}; ADM's plain
 * row also against every variant of its base, such as a control with a larger distillation weight): the
 * per-seed differences of the student's score and, when the teacher trains, of the teacher's, over the seeds both
 * rows have, trained on the same processor (processors round differently, so a seed's two runs on two of them
 * differ by more than the method).
 *
 * @param variant the ADM variant's row
 * @param base    the base method's row (its variant without parameter overrides, when the experiment has one)
 * @param student the student's score, variant minus base
 * @param teacher the teacher's score, variant minus base; null when the teacher is frozen (the same for both)
 */
public record PairedComparison(ExperimentRunner.Row variant, ExperimentRunner.Row base, PairedDifference student,
                               PairedDifference teacher) {
    private static final Logger log = LoggerFactory.getLogger(PairedComparison.class);

    /**
     * Every ADM row whose base method is also a row, paired with it, in the rows' order; an ADM row without parameter
     * overrides is paired with each row of its base (the plain one first).
     */
    public static List<PairedComparison> of(List<ExperimentRunner.Row> rows) {
        List<PairedComparison> out = new ArrayList<>();
        for (ExperimentRunner.Row r : rows) {
            DistillationMethod m = r.variant().create();
            if (!(m instanceof AdmMethod adm)) {
                continue;
            }
            List<ExperimentRunner.Row> bases = baseRows(rows, adm.base().name());
            if (!r.variant().params().isEmpty() && !bases.isEmpty()) {
                bases = bases.subList(0, 1); // an ADM variant against the plain base (else the first) alone
            }
            boolean teacherTrains = !m.freezesTeacher() && !m.trainsSingleNetwork();
            for (ExperimentRunner.Row b : bases) {
                PairedDifference student = difference(r, b, RunSettings.STUDENT);
                if (student != null) {
                    out.add(new PairedComparison(r, b, student,
                            teacherTrains ? difference(r, b, RunSettings.TEACHER) : null));
                }
            }
        }
        return out;
    }

    /** The rows of the base method, its plain variant first. */
    private static List<ExperimentRunner.Row> baseRows(List<ExperimentRunner.Row> rows, String method) {
        List<ExperimentRunner.Row> of = new ArrayList<>(rows.stream().filter(r -> r.variant().method().equals(method))
                .toList());
        of.sort(java.util.Comparator.comparing(r -> !r.variant().params().isEmpty()));
        return of;
    }

    /**
     * Over the seeds both rows have (every row starts at the experiment's first seed) whose two runs name the same
     * processor (or both none); null when no seed pairs.
     */
    private static PairedDifference difference(ExperimentRunner.Row a, ExperimentRunner.Row b, String network) {
        int common = Math.min(a.runs().size(), b.runs().size());
        double[] sa = scores(a, network);
        double[] sb = scores(b, network);
        List<Integer> kept = IntStream.range(0, common).filter(i -> Objects.equals(a.runs().get(i).processor(),
                b.runs().get(i).processor())).boxed().toList();
        if (kept.size() < common) {
            log.warn("{} against {}: {} of {} seeds left unpaired, their runs trained on different processors",
                    a.variant().label(), b.variant().label(), common - kept.size(), common);
        }
        if (kept.isEmpty()) {
            return null;
        }
        return PairedDifference.of(kept.stream().mapToDouble(i -> sa[i]).toArray(),
                kept.stream().mapToDouble(i -> sb[i]).toArray());
    }

    /** One network's final score per seed, in seed order (with several of its role, their mean). */
    static double[] scores(ExperimentRunner.Row row, String network) {
        return row.runs().stream().mapToDouble(r -> r.finalScore(network)).toArray();
    }
}
