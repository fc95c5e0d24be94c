package dev.adm.models.run;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExperimentPlanTest {
    private static ExperimentRunner.Variant v(String method) {
        return ExperimentRunner.Variant.of(method);
    }

    /** The baseline trains first when an offline row needs its teachers, for as many seeds as any such row. */
    @Test
    void baselineComesFirstWithTheSeedsOfflineRowsNeed() {
        List<ExperimentRunner.Variant> plan = ExperimentRunner.plan(List.of(v("dml").withSeeds(5),
                v("adm").withSeeds(5), v("kd"), v("adm-kd")), 3, true);
        assertEquals(List.of("baseline", "dml", "adm", "kd", "adm-kd"), plan.stream()
                .map(ExperimentRunner.Variant::label).toList());
        assertEquals(List.of(3, 5, 5, 3, 3), plan.stream().map(x -> x.seedsOr(3)).toList());

        List<ExperimentRunner.Variant> more = ExperimentRunner.plan(List.of(v("baseline"), v("kd").withSeeds(5),
                v("dkd")), 3, true);
        assertEquals(List.of("baseline", "kd", "dkd"), more.stream().map(ExperimentRunner.Variant::label).toList());
        assertEquals(5, more.get(0).seedsOr(3), "kd's five teachers come from five baseline runs");
        assertEquals(List.of("dml"), ExperimentRunner.plan(List.of(v("dml"), v("dml")), 3, true).stream()
                .map(ExperimentRunner.Variant::label).toList(), "a row asked twice runs once");
        List<ExperimentRunner.Variant> twice = ExperimentRunner.plan(List.of(v("adm").withSeeds(5), v("dml"),
                v("adm")), 3, true);
        assertEquals(List.of("adm", "dml"), twice.stream().map(ExperimentRunner.Variant::label).toList());
        assertEquals(5, twice.get(0).seedsOr(3), "asked with 5 seeds and (by an ablation) with 3: it runs 5");
    }

    @Test
    void twoRowsUnderOneLabelAndBadSeedCountsAreRefused() {
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> ExperimentRunner.plan(
                List.of(v("dml"), new ExperimentRunner.Variant("dml", "dml", Map.of("T", "2"))), 3, true));
        assertEquals("two rows are labelled 'dml' (dml {} and dml {T=2}); give one of them another label",
                twice.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> v("adm").withSeeds(0));
        assertEquals("seeds of 'adm' must be >= 1, got 0", zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ExperimentRunner.Variant("x", "adm", Map.of(), -1));
    }

    /**
     * The sweep's rows are ADM with one change each, labelled by it, then three controls; building them checks every
     * parameter.
     */
    @Test
    void admSweepVariesOneThingPerRow() {
        List<ExperimentRunner.Variant> sweep = Ablations.get("adm-sweep");
        assertEquals(List.of("adm", "adm-co-only", "adm-di-only", "adm-tau=0.25", "adm-tau=1", "adm-tau=2",
                "adm-weights=0.5", "adm-weights=2", "adm-similarity=attention", "adm-variant=mimicry", "adm-uniform",
                "dml-lambda=2", "kd-b=1.9", "adm-dkd-uniform"),
                sweep.stream().map(ExperimentRunner.Variant::label).toList());
        assertEquals(Map.of("similarity", "attention"), sweep.get(8).params());
        assertEquals(Map.of("variant", "mimicry"), sweep.get(9).params());
        assertEquals(Map.of("tau", "1e6"), sweep.get(10).params(), "uniform location weights");
        assertEquals("dml", sweep.get(11).method(), "a control: the base with ADM's added weight");
        assertEquals(Map.of("b", "1.9"), sweep.get(12).params());
        assertEquals("adm-dkd", sweep.get(13).method(), "DKD's control: ADM on it with uniform weights");
        assertEquals(Map.of("tau", "1e6"), sweep.get(13).params());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Ablations.get("x"));
        assertTrue(unknown.getMessage().contains("adm-sweep"), unknown.getMessage());
    }
}
