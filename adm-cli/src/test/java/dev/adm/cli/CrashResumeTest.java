package dev.adm.cli;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.ChildJvm;
import dev.adm.core.testing.Slow;
import dev.adm.models.run.Checkpoint;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A training process killed with SIGKILL in the middle of an epoch, then resumed with {@code --resume}, ends with
 * exactly the weights (and epoch losses) of a run that was never interrupted; at the moment of the kill every file
 * under its final name is complete. One case per task, each with a method that keeps state or draws random numbers.
 */
@Slow
class CrashResumeTest extends AdmTestBase {
    @TempDir
    Path dir;

    @Test
    void classificationSwitokdResumesExactly() throws Exception {
        // SwitOKD switches modes on the loss gap; the data are shuffled and augmented (pad-crop and flip)
        crashResumeAndCompare(List.of("train", "classification", "--method", "switokd", "--teacher", "resnet8",
                "--student", "resnet8", "--embedded", "--train-limit", "640", "--batch", "32", "--epochs", "2",
                "--lr", "0.05"), List.of("student", "teacher"));
    }

    @Test
    void segmentationAkdResumesExactly() throws Exception {
        // AKD draws random avatar masks from ND4J's generator at every step
        Path teacher = dir.resolve("seg-teacher");
        assertEquals(0, AdmCommand.commandLine().execute("train", "segmentation", "--method", "baseline",
                "--student", "fcn-resnet8", "--embedded", "--canvas", "32", "--items", "1..2", "--train-scenes",
                "64", "--test-scenes", "16", "--epochs", "1", "--overlays", "0", "--no-progress",
                "--out", teacher.toString()));
        crashResumeAndCompare(List.of("train", "segmentation", "--method", "akd", "--teacher-checkpoint",
                teacher.resolve("student.zip").toString(), "--student", "fcn-resnet8", "--embedded", "--canvas", "32",
                "--items", "1..2", "--train-scenes", "320", "--test-scenes", "16", "--batch", "16", "--epochs", "2",
                "--overlays", "2"), List.of("student"));
    }

    @Test
    void diffusionAdmResumesExactly() throws Exception {
        // random timesteps and noise per batch, and ADM's consensus/divergence weighting between two U-Nets
        crashResumeAndCompare(List.of("train", "diffusion", "--method", "adm", "--teacher", "unet-tiny",
                "--student", "unet-tiny", "--embedded", "--train-limit", "160", "--batch", "16", "--epochs", "2",
                "--steps", "100", "--eval-images", "16", "--samples", "4", "--sampling-steps", "4",
                "--fid-samples", "0"), List.of("student", "teacher"));
    }

    @Test
    void anInterruptedRunSaysHowToContinue() throws Exception {
        Path out = dir.resolve("interrupted");
        Process p = launch(List.of("train", "classification", "--method", "baseline", "--student", "resnet8",
                "--embedded", "--train-limit", "640", "--batch", "32", "--epochs", "2", "--no-progress",
                "--checkpoint-every", "1"), out);
        Path steps = out.resolve("steps.csv");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (!(Files.exists(steps) && Files.readAllLines(steps).size() > 2) && System.nanoTime() < deadline) {
            assertTrue(p.isAlive(), "the child ended early:\n" + Files.readString(dir.resolve("crashed.log")));
            Thread.sleep(20);
        }
        p.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the shutdown hooks run
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String log = Files.readString(dir.resolve("crashed.log"));
        assertTrue(log.contains("adm: interrupted; the checkpoint in " + out) && log.contains("--resume"), log);
        assertEquals(0, execute(List.of("train", "classification", "--method", "baseline", "--student", "resnet8",
                "--embedded", "--train-limit", "640", "--batch", "32", "--epochs", "2", "--no-progress",
                "--checkpoint-every", "1"), "--out", out.toString(), "--resume"), "the advice works");
    }

    private void crashResumeAndCompare(List<String> train, List<String> exported) throws Exception {
        Path straight = dir.resolve("straight");
        Path crashed = dir.resolve("crashed");
        List<String> common = new ArrayList<>(train);
        common.addAll(List.of("--no-progress", "--checkpoint-every", "1"));

        assertEquals(0, execute(common, "--out", straight.toString()), "uninterrupted run");

        Process p = launch(common, crashed);
        killMidEpoch(p, crashed, exported);
        assertEveryFileComplete(crashed);
        Checkpoint.State state = Checkpoint.load(crashed);
        assertEquals(1, state.completedEpochs(), "killed during the second epoch");
        assertNotEquals(Checkpoint.Partial.NONE, state.partial(), "the checkpoint was written inside the epoch");
        assertTrue(state.partial().steps() >= 2, "steps in the checkpoint: " + state.partial().steps());

        assertEquals(0, execute(common, "--out", crashed.toString(), "--resume"), "resumed run");
        for (String net : exported) {
            ComputationGraph a = ModelSerializer.restoreComputationGraph(straight.resolve(net + ".zip").toFile());
            ComputationGraph b = ModelSerializer.restoreComputationGraph(crashed.resolve(net + ".zip").toFile());
            assertEquals(a.params(), b.params(), net + ": weights after the crash and resume differ from the "
                    + "uninterrupted run's");
        }
        assertEquals(lossColumns(straight), lossColumns(crashed), "epoch losses differ after the crash and resume");
        assertEquals(Files.readAllLines(straight.resolve("steps.csv")), Files.readAllLines(crashed.resolve("steps.csv")),
                "steps.csv: every step once, with the same losses");
        try (Stream<Path> files = Files.list(crashed)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith(".")).toList(),
                    "the resume removes temporary files the kill left");
        }
    }

    private static int execute(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(Arrays.asList(more));
        return AdmCommand.commandLine().execute(all.toArray(String[]::new));
    }

    /** The CLI in a child JVM with this JVM's options (the same SIMD kernel, so the same floating-point results). */
    private static Process launch(List<String> args, Path out) throws Exception {
        List<String> childArgs = new ArrayList<>(args);
        childArgs.addAll(List.of("--out", out.toString()));
        List<String> cmd = ChildJvm.command(List.of(), AdmCommand.class, childArgs);
        Files.createDirectories(out);
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(out.getParent().resolve("crashed.log").toFile()).start();
    }

    /** SIGKILL once steps.csv shows step 3 of epoch 2 (steps are logged at each mid-epoch checkpoint). */
    private void killMidEpoch(Process p, Path out, List<String> exported) throws Exception {
        Path steps = out.resolve("steps.csv");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                fail("the child ended before it could be killed (exit " + p.exitValue() + "):\n"
                        + Files.readString(dir.resolve("crashed.log")));
            }
            if (Files.exists(steps) && Files.readAllLines(steps).stream().anyMatch(l -> l.startsWith("2,3,"))) {
                p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertEquals(137, p.exitValue(), "killed by SIGKILL");
                for (String net : exported) {
                    assertFalse(Files.exists(out.resolve(net + ".zip")), "the run was killed before it finished");
                }
                return;
            }
            Thread.sleep(20);
        }
        p.destroyForcibly();
        fail("no mid-epoch step logged in time:\n" + Files.readString(dir.resolve("crashed.log")));
    }

    /** Every file under its final name is whole: zips open, PNGs decode, CSVs have full rows. */
    private static void assertEveryFileComplete(Path out) throws Exception {
        try (Stream<Path> files = Files.list(out)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith(".")) {
                    continue; // a temporary file of a write the kill interrupted: never read, removed on resume
                }
                if (name.endsWith(".zip")) {
                    try (ZipFile zip = new ZipFile(f.toFile())) {
                        assertTrue(zip.size() > 0, name);
                    }
                } else if (name.endsWith(".png")) {
                    assertNotNull(ImageIO.read(f.toFile()), name + " does not decode");
                } else if (name.endsWith(".csv")) {
                    List<String> lines = Files.readAllLines(f);
                    int columns = lines.get(0).split(",", -1).length;
                    assertTrue(Files.readString(f).endsWith("\n"), name + " ends inside a line");
                    for (String line : lines) {
                        assertEquals(columns, line.split(",", -1).length, name + ": " + line);
                    }
                }
            }
        }
    }

    /** metrics.csv without the timing columns. */
    private static List<String> lossColumns(Path run) throws Exception {
        List<String> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
        List<String> header = Arrays.asList(lines.get(0).split(","));
        for (String line : lines) {
            String[] cells = line.split(",");
            StringBuilder kept = new StringBuilder();
            for (int i = 0; i < cells.length; i++) {
                if (!header.get(i).equals("seconds") && !header.get(i).equals("img_per_s")) {
                    kept.append(cells[i]).append(',');
                }
            }
            out.add(kept.toString());
        }
        return out;
    }
}
