package dev.adm.models.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PairedDifferenceTest {
    /**
     * By hand: differences 1, 2, 3, 6 have mean 3 and sample std sqrt(14/3) = 2.160247; Student's t for 3 degrees
     * of freedom at 0.975 is 3.182446 (printed tables), so the half width is 3.182446 * 2.160247 / 2 = 3.437435.
     */
    @Test
    void meanAndIntervalOfAHandComputedExample() {
        PairedDifference d = PairedDifference.of(new double[]{0.86, 0.87, 0.88, 0.91}, new double[]{0.85, 0.85, 0.85,
                0.85});
        assertArrayEquals(new double[]{0.01, 0.02, 0.03, 0.06}, d.differences(), 1e-12);
        assertEquals(0.03, d.mean(), 1e-12);
        assertEquals(0.02160247, d.std(), 1e-8);
        assertEquals(0.03437435, d.halfWidth95(), 1e-8);
        assertEquals(-0.00437435, d.low95(), 1e-8);
        assertEquals(0.06437435, d.high95(), 1e-8);
        assertEquals(0, d.sign95(), "the interval contains 0");
        // 1.0, 1.1, 0.9: mean 1, std 0.1, t(2) = 4.302653, half width 0.2484138
        PairedDifference clear = new PairedDifference(new double[]{1.0, 1.1, 0.9});
        assertEquals(0.2484138, clear.halfWidth95(), 1e-7);
        assertEquals(1, clear.sign95());
        assertEquals(-1, new PairedDifference(new double[]{-1.0, -1.1, -0.9}).sign95());
    }

    @Test
    void oneSeedHasNoIntervalAndUnpairedScoresAreRefused() {
        PairedDifference one = new PairedDifference(new double[]{0.5});
        assertEquals(0.5, one.mean());
        assertTrue(Double.isNaN(one.halfWidth95()));
        assertEquals(0, one.sign95());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PairedDifference.of(new double[]{1, 2}, new double[]{1}));
        assertEquals("paired scores need the same seeds: 2 against 1 values", e.getMessage());
    }

    /**
     * ADM rows are paired with their base's plain row (an ablation variant too, and then with ADM's default row); a
     * frozen teacher gets no teacher difference; a method without its base in the experiment is not compared; the
     * table shows the numbers.
     */
    @Test
    void admVariantsArePairedWithTheirBasesAndTabulated(@TempDir Path dir) throws Exception {
        ExperimentRunner.Row dml = row(ExperimentRunner.Variant.of("dml"), dir, new double[]{0.90, 0.91, 0.92},
                new double[]{0.80, 0.81, 0.82});
        ExperimentRunner.Row adm = row(ExperimentRunner.Variant.of("adm"), dir, new double[]{0.90, 0.92, 0.91},
                new double[]{0.81, 0.83, 0.84});
        ExperimentRunner.Row coOnly = row(new ExperimentRunner.Variant("adm-co-only", "adm", Map.of("beta", "0")), dir,
                new double[]{0.89, 0.90, 0.91}, new double[]{0.79, 0.80, 0.81});
        ExperimentRunner.Row kd = row(ExperimentRunner.Variant.of("kd"), dir, new double[]{0.9, 0.9, 0.9},
                new double[]{0.82, 0.82, 0.83});
        ExperimentRunner.Row admKd = row(ExperimentRunner.Variant.of("adm-kd"), dir, new double[]{0.9, 0.9, 0.9},
                new double[]{0.83, 0.82, 0.85});
        ExperimentRunner.Row admKdcl = row(ExperimentRunner.Variant.of("adm-kdcl"), dir, new double[]{0.9, 0.9, 0.9},
                new double[]{0.8, 0.8, 0.8});
        ExperimentRunner.Row fiveSeeds = row(new ExperimentRunner.Variant("adm-tau=1", "adm", Map.of("tau", "1")), dir,
                new double[]{0.9, 0.9, 0.9, 0.9, 0.9}, new double[]{0.8, 0.8, 0.8, 0.7, 0.7});
        List<PairedComparison> paired = PairedComparison.of(List.of(dml, adm, coOnly, kd, admKd, admKdcl, fiveSeeds));
        assertEquals(List.of("adm/dml", "adm-co-only/dml", "adm-co-only/adm", "adm-kd/kd", "adm-tau=1/dml",
                "adm-tau=1/adm"), paired.stream().map(c -> c.variant().variant().label() + "/" + c.base().variant()
                .label()).toList(), "an ablation's variant against the base, then against ADM's default");
        assertArrayEquals(new double[]{0.0, -0.01, -0.02}, paired.get(4).student().differences(), 1e-12,
                "five seeds against three: paired over the three both have");
        assertArrayEquals(new double[]{-0.02, -0.03, -0.03}, paired.get(2).student().differences(), 1e-12,
                "L_co alone against both terms");
        assertArrayEquals(new double[]{-0.01, -0.02, 0.0}, paired.get(2).teacher().differences(), 1e-12);
        paired = List.of(paired.get(0), paired.get(1), paired.get(3));
        assertArrayEquals(new double[]{0.01, 0.02, 0.02}, paired.get(0).student().differences(), 1e-12);
        assertArrayEquals(new double[]{0.0, 0.01, -0.01}, paired.get(0).teacher().differences(), 1e-12);
        assertNull(paired.get(2).teacher(), "kd's teacher is frozen");
        // 0.01, 0.02, 0.02: mean 0.016667, std 0.0057735, t(2) 4.302653: [0.002324, 0.031009]
        String md = ExperimentTables.pairedTable(paired, true, null);
        assertTrue(md.contains("| adm | dml | 3 | +1.67 [+0.23, +3.10] | +1.00 +2.00 +2.00 |"), md);
        assertTrue(md.contains("| adm-kd | kd | 3 | +1.00 [-1.48, +3.48] | +1.00 +0.00 +2.00 | frozen |"), md);
    }

    /**
     * ADM's plain row is also paired with a control of its base (the base with other parameters), after the plain
     * base; ADM's own variants are paired with the plain base alone (not its controls) and with ADM's default row,
     * whatever order the rows come in.
     */
    @Test
    void admsPlainRowIsAlsoPairedWithItsBasesControls(@TempDir Path dir) {
        ExperimentRunner.Row control = row(new ExperimentRunner.Variant("dml-lambda=2", "dml", Map.of("lambda", "2")),
                dir, new double[]{0.91, 0.91}, new double[]{0.82, 0.84});
        ExperimentRunner.Row dml = row(ExperimentRunner.Variant.of("dml"), dir, new double[]{0.90, 0.91},
                new double[]{0.80, 0.81});
        ExperimentRunner.Row adm = row(ExperimentRunner.Variant.of("adm"), dir, new double[]{0.92, 0.92},
                new double[]{0.81, 0.83});
        ExperimentRunner.Row tau = row(new ExperimentRunner.Variant("adm-tau=1", "adm", Map.of("tau", "1")), dir,
                new double[]{0.90, 0.90}, new double[]{0.80, 0.80});
        List<PairedComparison> paired = PairedComparison.of(List.of(control, dml, adm, tau));
        assertEquals(List.of("adm/dml", "adm/dml-lambda=2", "adm-tau=1/dml", "adm-tau=1/adm"), paired.stream()
                .map(c -> c.variant().variant().label() + "/" + c.base().variant().label()).toList());
        assertArrayEquals(new double[]{0.01, 0.02}, paired.get(0).student().differences(), 1e-12);
        assertArrayEquals(new double[]{-0.01, -0.01}, paired.get(1).student().differences(), 1e-12);
        assertArrayEquals(new double[]{0.01, 0.01}, paired.get(1).teacher().differences(), 1e-12);
    }

    /** A seed whose two runs trained on different processors is left out of the pairs; with none left, no pair. */
    @Test
    void onlyRunsOfOneProcessorArePaired(@TempDir Path dir) throws Exception {
        ExperimentRunner.Row dml = row(ExperimentRunner.Variant.of("dml"), dir, new double[]{0.90, 0.91, 0.92},
                new double[]{0.80, 0.81, 0.82});
        ExperimentRunner.Row adm = row(ExperimentRunner.Variant.of("adm"), dir, new double[]{0.90, 0.92, 0.91},
                new double[]{0.81, 0.83, 0.84});
        String[] dmlCpu = {"A", "A", "A"};
        String[] admCpu = {"A", "B", "A"};
        for (int i = 0; i < 3; i++) {
            record(dml.runs().get(i).dir(), dmlCpu[i]);
            record(adm.runs().get(i).dir(), admCpu[i]);
        }
        PairedComparison c = PairedComparison.of(List.of(dml, adm)).get(0);
        assertArrayEquals(new double[]{0.01, 0.02}, c.student().differences(), 1e-12, "seed 43 is unpaired");
        assertArrayEquals(new double[]{0.0, -0.01}, c.teacher().differences(), 1e-12);
        for (int i = 0; i < 3; i++) {
            record(adm.runs().get(i).dir(), "B");
        }
        assertEquals(List.of(), PairedComparison.of(List.of(dml, adm)), "no seed pairs: no comparison");
    }

    /**
     * The experiment's further result (diffusion's FID) is paired over the same seeds as the score and tabulated in
     * its own columns; a comparison where a run lacks it has none.
     */
    @Test
    void theStudentsFurtherResultIsPairedToo(@TempDir Path dir) throws Exception {
        ExperimentRunner.Row dml = row(ExperimentRunner.Variant.of("dml"), dir, new double[]{0.2, 0.2},
                new double[]{0.30, 0.31});
        ExperimentRunner.Row adm = row(ExperimentRunner.Variant.of("adm"), dir, new double[]{0.2, 0.2},
                new double[]{0.29, 0.30});
        double[] dmlFid = {5.0, 6.0};
        double[] admFid = {4.5, 5.0};
        for (int i = 0; i < 2; i++) {
            fid(dml.runs().get(i).dir(), dmlFid[i]);
            fid(adm.runs().get(i).dir(), admFid[i]);
        }
        ExperimentRunner.Extra extra = new ExperimentRunner.Extra("finalFid", "FID");
        PairedComparison c = PairedComparison.of(List.of(dml, adm), extra).get(0);
        assertArrayEquals(new double[]{-0.5, -1.0}, c.extra().differences(), 1e-12);
        assertArrayEquals(new double[]{-0.01, -0.01}, c.student().differences(), 1e-12);
        // -0.5, -1.0: mean -0.75, std 0.353553, t(1) 12.706205: half width 3.176551
        String md = ExperimentTables.pairedTable(List.of(c), false, extra);
        assertTrue(md.contains("| student FID difference | per seed |"), md);
        assertTrue(md.contains("| -0.750 [-3.93, +2.43] | -0.500 -1.00 |"), md);

        Files.writeString(adm.runs().get(1).dir().resolve(RunReport.RESULTS), "{}");
        assertNull(PairedComparison.of(List.of(dml, adm), extra).get(0).extra(), "seed 43 of adm has no FID");
        assertNull(PairedComparison.of(List.of(dml, adm)).get(0).extra(), "no extra asked for");
    }

    private static void fid(Path runDir, double fid) throws java.io.IOException {
        Files.createDirectories(runDir);
        Files.writeString(runDir.resolve(RunReport.RESULTS), "{\"finalFid\": {\"student\": " + fid + "}}");
    }

    private static void record(Path runDir, String processor) throws java.io.IOException {
        Files.createDirectories(runDir);
        Files.writeString(runDir.resolve(RunReport.RESULTS), "{\"processor\": \"" + processor + "\"}");
    }

    /** With several students (or teachers) a run's score of the role is their mean. */
    @Test
    void severalNetworksOfARoleScoreTheirMean(@TempDir Path dir) {
        ExperimentRunner.RunOutcome r = new ExperimentRunner.RunOutcome(dir, List.of(new EpochRecord(1, 1, 1, 0.05,
                Map.of(), Map.of("teacher", 0.95, "student1", 0.80, "student2", 0.90, "student10", 0.70), Map.of())));
        assertEquals(0.80, r.finalScore("student"), 1e-12);
        assertEquals(0.95, r.finalScore("teacher"), 1e-12);
        assertTrue(Double.isNaN(r.finalScore("peer")));
    }

    private static ExperimentRunner.Row row(ExperimentRunner.Variant v, Path dir, double[] teacher,
                                            double[] student) {
        List<ExperimentRunner.RunOutcome> runs = new ArrayList<>();
        for (int i = 0; i < student.length; i++) {
            runs.add(new ExperimentRunner.RunOutcome(dir.resolve(v.label()).resolve("seed" + (42 + i)),
                    List.of(new EpochRecord(1, 10, 100, 0.05, Map.of(), Map.of(RunSettings.TEACHER, teacher[i],
                            RunSettings.STUDENT, student[i]), Map.of()))));
        }
        return new ExperimentRunner.Row(v, runs, 0, 0, 0, 0, Double.NaN, Double.NaN, 10);
    }
}
