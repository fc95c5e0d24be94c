package dev.adm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.adm.models.run.RunSettings;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Without --workers, a local Spark master's slots are the workers; a cluster's are not known before it runs. */
class TrainingOptionsTest {
    @Test
    void localMastersGiveTheirSlots() {
        assertEquals(OptionalInt.of(1), TrainingOptions.localSlots("local"));
        assertEquals(OptionalInt.of(2), TrainingOptions.localSlots("local[2]"));
        assertEquals(OptionalInt.of(3), TrainingOptions.localSlots("local[3,4]"), "local[threads,maxFailures]");
        assertEquals(OptionalInt.of(Runtime.getRuntime().availableProcessors()), TrainingOptions.localSlots("local[*]"));
        assertEquals(OptionalInt.empty(), TrainingOptions.localSlots("spark://host:7077"));
        assertEquals(OptionalInt.empty(), TrainingOptions.localSlots("local-cluster[2,1,1024]"));
    }

    @Test
    void theWorkersOptionWinsAndWithoutSparkTheTaskDefaultStays() {
        assertEquals(2, workers("--spark", "local[2]"));
        assertEquals(1, workers("--spark", "local[2]", "--workers", "1"));
        assertEquals(1, workers("--spark", "spark://host:7077"));
        assertEquals(1, workers());
        assertEquals(2, workers("--workers", "2"));
    }

    private static int workers(String... options) {
        String[] args = new String[options.length + 2];
        args[0] = "train";
        args[1] = "classification";
        System.arraycopy(options, 0, args, 2, options.length);
        CommandLine.ParseResult parsed = AdmCommand.commandLine().parseArgs(args);
        TrainCommand.Classification command = (TrainCommand.Classification) parsed.subcommand().subcommand()
                .commandSpec().userObject();
        return command.training.applyTo(RunSettings.builder().student("resnet8").outDir(Path.of("x"))).build()
                .workers();
    }
}
