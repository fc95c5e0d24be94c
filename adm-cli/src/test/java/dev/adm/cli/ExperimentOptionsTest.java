package dev.adm.cli;

import dev.adm.models.run.ExperimentRunner;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ExperimentOptionsTest {
    @Test
    void methodsTakeTheirOwnSeedCountsAndTheAblationFollows() {
        ExperimentOptions o = new ExperimentOptions();
        new CommandLine(o).parseArgs("--methods", "dml:5,adm:5, kd", "--ablation", "adm", "--teacher",
                "resnet20,resnet14", "--student", "resnet8,resnet8");
        List<ExperimentRunner.Variant> v = o.variants();
        assertEquals(List.of("dml", "adm", "kd", "adm"), v.subList(0, 4).stream().map(ExperimentRunner.Variant::label)
                .toList(), "the ablation's rows follow (its adm row runs once, with 5 seeds)");
        assertEquals(List.of(5, 5, 0, 0), v.subList(0, 4).stream().map(ExperimentRunner.Variant::seeds).toList());
        assertEquals(List.of("resnet20", "resnet14"), o.teachers);
        assertEquals(List.of("resnet8", "resnet8"), o.students);
    }

    /** A --param goes to every row whose method has it; a row's own override wins; one nobody has is refused. */
    @Test
    void aParamReachesTheMethodsThatHaveIt() {
        ExperimentOptions o = new ExperimentOptions();
        new CommandLine(o).parseArgs("--methods", "dml,adm", "--ablation", "adm", "--param", "similarity=attention",
                "--param", "tau=0.3");
        List<ExperimentRunner.Variant> v = o.variants();
        assertEquals(java.util.Map.of(), v.get(0).params(), "dml has neither");
        assertEquals(java.util.Map.of("similarity", "attention", "tau", "0.3"), v.get(1).params());
        ExperimentRunner.Variant tau1 = v.stream().filter(x -> x.label().equals("adm-tau=1")).findFirst()
                .orElseThrow();
        assertEquals("1", tau1.params().get("tau"), "the ablation's own tau wins");
        ExperimentOptions none = new ExperimentOptions();
        new CommandLine(none).parseArgs("--methods", "dml", "--param", "tau=1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, none::variants);
        assertEquals("--param tau: none of the methods has it (adm methods lists each method's parameters)",
                e.getMessage());
    }

    @Test
    void aBadSeedCountNamesTheForm() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExperimentOptions.variant("dml:0"));
        assertEquals("'dml:0': give a method's own seed count as method:N with N >= 1, e.g. dml:5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ExperimentOptions.variant("nosuch:3"));
    }
}
