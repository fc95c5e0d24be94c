package dev.adm.cli;

import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.Slow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.nio.file.attribute.FileTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Slow
class AdmCommandTest extends AdmTestBase {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cl = AdmCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(out, true);
        System.setOut(capture);
        PrintWriter writer = new PrintWriter(capture, true);
        cl.setOut(writer);
        try {
            int code = cl.execute(args);
            writer.flush();
            cl.getErr().flush();
            return new Run(code, out.toString(), err.toString());
        } finally {
            System.setOut(original);
        }
    }

    @Test
    void helpListsEveryCommand() {
        assertEquals(0, run("--help").code());
        String usage = AdmCommand.commandLine().getUsageMessage();
        for (String c : new String[]{"quickstart", "train", "experiment", "eval", "loss", "visualize", "methods",
                "zoo", "export-batches"}) {
            assertTrue(usage.contains(c), usage);
        }
        assertTrue(AdmCommand.commandLine().getSubcommands().get("train").getUsageMessage().contains("classification"));
    }

    @Test
    void exportBatchesWritesARunsMinibatchesOnceAndSparkNeedsItsModule() throws Exception {
        Path out = dir.resolve("batches");
        String[] export = {"export-batches", "classification", "--embedded", "--train-limit", "256", "--batch", "64",
                "--epochs", "2", "--out", out.toString()};
        Run r = run(export);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("2 epoch(s) of 4 minibatches"), r.out());
        for (String epoch : List.of("epoch-1", "epoch-2")) {
            try (var files = java.nio.file.Files.list(out.resolve(epoch))) {
                assertEquals(List.of("batch-000001.bin", "batch-000002.bin", "batch-000003.bin", "batch-000004.bin"),
                        files.map(f -> f.getFileName().toString()).sorted().toList());
            }
        }
        org.nd4j.linalg.dataset.DataSet first = new org.nd4j.linalg.dataset.DataSet();
        first.load(out.resolve("epoch-1/batch-000001.bin").toFile());
        assertEquals(64, first.numExamples());
        Run again = run(export);
        assertEquals(2, again.code());
        assertTrue(again.err().contains("is not empty") && !again.err().contains("at dev.adm"), again.err());

        // a run from the export needs the export's data options; a different batch size is named, nothing is written
        Run mismatch = run("train", "classification", "--method", "baseline", "--embedded", "--train-limit", "256",
                "--batch", "32", "--epochs", "2", "--batches", out.toString(), "--out", dir.resolve("run").toString());
        assertEquals(2, mismatch.code());
        assertTrue(mismatch.err().contains("{batchSize=64}") && mismatch.err().contains("{batchSize=32}"),
                mismatch.err());
        assertFalse(java.nio.file.Files.exists(dir.resolve("run")), "a refused run leaves no directory");

        // this module's tests run without adm-spark: --spark then names what to add
        Run spark = run("train", "classification", "--method", "baseline", "--embedded", "--train-limit", "64",
                "--epochs", "1", "--spark", "local[2]", "--out", dir.resolve("spark").toString());
        assertEquals(2, spark.code());
        assertTrue(spark.err().contains("needs the adm-spark module on the class path"), spark.err());
    }

    @Test
    void methodsListsParametersWithDefaults() {
        Run r = run("methods");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("adm") && r.out().contains("tau") && r.out().contains("0.5"), r.out());
        // a provider on the class path (adm-core's test jar names one in META-INF/services) is listed too
        assertTrue(r.out().contains("logit-mse") && r.out().contains("weight of the logit distance"), r.out());
    }

    @Test
    void zooListsModelsAndPrintsInfo() {
        Run list = run("zoo", "list");
        assertEquals(0, list.code());
        assertTrue(list.out().contains("wrn_40_2") && list.out().contains("mobilenetv2_half"), list.out());
        Run info = run("zoo", "info", "resnet8x4", "--json");
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("\"params\" : 1233540") && info.out().contains("\"feat\""), info.out());
        Run unknown = run("zoo", "info", "resnet9");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown model 'resnet9'"), unknown.err());
    }

    @Test
    void badInputIsOneClearLineAndExitCode2() {
        Run unknown = run("train", "classification", "--method", "nope", "--out", dir.resolve("x").toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown method 'nope'") && !unknown.err().contains("at dev.adm"),
                unknown.err());
        Run badParam = run("train", "classification", "--method", "adm", "--teacher", "resnet8", "--param", "tau=-1",
                "--out", dir.resolve("y").toString());
        assertEquals(2, badParam.code());
        assertTrue(badParam.err().contains("tau must be > 0"), badParam.err());
        Run missing = run("eval", "--model", dir.resolve("none.zip").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("none.zip"), missing.err());
    }

    /** Paths of the wrong kind get a message that says what they are, and the fix. */
    @Test
    void pathsOfTheWrongKindAreNamedAsSuch() throws Exception {
        Path file = Files.writeString(dir.resolve("plain.txt"), "x");
        Path folder = Files.createDirectories(dir.resolve("folder"));
        Path empty = Files.createFile(dir.resolve("empty.zip"));
        String[][] cases = {
                {"eval", "--model", folder.toString()},
                {"eval", "--model", empty.toString()},
                {"train", "classification", "--method", "kd", "--teacher-checkpoint", folder.toString(), "--embedded",
                        "--no-progress", "--out", dir.resolve("kd").toString()},
                {"train", "classification", "--method", "baseline", "--data", file.toString(), "--no-progress",
                        "--out", dir.resolve("data").toString()},
                {"visualize", "--run", dir.resolve("no-run").toString()},
                {"visualize", "--run", folder.toString(), "--images", "0"},
        };
        String[] messages = {"is a directory, not a model file", "is empty", "is a directory, not a model file",
                "is a file; give the directory that holds the four Fashion-MNIST IDX files", "holds no run",
                "--images must be at least 1"};
        for (int i = 0; i < cases.length; i++) {
            Run r = run(cases[i]);
            assertEquals(2, r.code(), String.join(" ", cases[i]) + ": " + r.err());
            assertTrue(r.err().contains(messages[i]) && !r.err().contains("--resume") && !r.err().contains("at dev."),
                    String.join(" ", cases[i]) + ": " + r.err());
        }
    }

    /** Configurations that cannot train fail before the first step, with the fix in the message, writing nothing. */
    @Test
    void wrongConfigurationsFailBeforeTrainingAndSayTheFix() throws Exception {
        String[][] cases = {
                {"--method", "adm", "--teacher", "wrn_16_2", "--student", "resnet8"},
                {"--method", "adm", "--teacher", "resnet20", "--student", "resnet9000"},
                {"--method", "adm", "--teacher", "resnet20", "--param", "similarity=cos"},
                {"--method", "adm", "--teacher", "resnet20", "--checkpoint-every", "often"},
        };
        String[] fixes = {"use similarity=attention", "known models: resnet8", "use one of cosine, attention",
                "give a number of steps (200), a time (90s, 10m, 1h) or 'epoch'"};
        for (int i = 0; i < cases.length; i++) {
            Path out = dir.resolve("bad" + i);
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "classification",
                    "--embedded", "--train-limit", "64", "--epochs", "1", "--no-progress", "--out", out.toString()));
            args.addAll(java.util.List.of(cases[i]));
            Run r = run(args.toArray(String[]::new));
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(fixes[i]) && !r.err().contains("at dev.adm"), r.err());
            assertTrue(!Files.exists(out.resolve("checkpoint.zip")) && !Files.exists(out.resolve("steps.csv")),
                    "nothing trained or written for " + String.join(" ", cases[i]));
        }
    }

    /** A run directory holds one run: a second run refuses it unless told to continue or to start over. */
    @Test
    void aRunDirectoryBelongsToOneRun() throws Exception {
        Path out = dir.resolve("owned");
        String[] train = {"train", "classification", "--method", "baseline", "--embedded", "--train-limit", "64",
                "--batch", "32", "--epochs", "1", "--no-progress", "--out", out.toString()};
        assertEquals(0, run(train).code());
        java.util.List<String> steps = Files.readAllLines(out.resolve("steps.csv"));
        assertEquals(1 + 2, steps.size());
        FileTime model = Files.getLastModifiedTime(out.resolve("student.zip"));

        Run again = run(train);
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already holds a run") && again.err().contains("--resume")
                && again.err().contains("--overwrite") && !again.err().contains("at dev.adm"), again.err());
        assertEquals(steps, Files.readAllLines(out.resolve("steps.csv")), "nothing appended");
        assertEquals(model, Files.getLastModifiedTime(out.resolve("student.zip")), "nothing overwritten");

        java.util.List<String> both = new java.util.ArrayList<>(java.util.List.of(train));
        both.addAll(java.util.List.of("--resume", "--overwrite"));
        Run contradictory = run(both.toArray(String[]::new));
        assertEquals(2, contradictory.code());
        assertTrue(contradictory.err().contains("not both"), contradictory.err());

        java.util.List<String> over = new java.util.ArrayList<>(java.util.List.of(train));
        over.addAll(java.util.List.of("--overwrite", "--seed", "7", "--workers", "2"));
        assertEquals(0, run(over.toArray(String[]::new)).code());
        java.util.List<String> fresh = Files.readAllLines(out.resolve("steps.csv"));
        assertEquals(1 + 2, fresh.size(), "steps.csv holds the new run's steps only");
        String results = Files.readString(out.resolve("results.json"));
        assertTrue(results.contains("\"seed\" : 7") && results.contains("\"workers\" : 2"), results);

        java.util.List<String> otherSplit = new java.util.ArrayList<>(java.util.List.of(train));
        otherSplit.addAll(java.util.List.of("--resume", "--seed", "7"));
        Run resumed = run(otherSplit.toArray(String[]::new));
        assertEquals(2, resumed.code());
        assertTrue(resumed.err().contains("workers=2 but this run has workers=1"), resumed.err());
    }

    @Test
    void badSettingsAreRefusedBeforeAnythingIsWritten() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        String[][] cases = {
                {"--lr", "Infinity", "--out", dir.resolve("inf").toString()},
                {"--lr", "NaN", "--out", dir.resolve("nan").toString()},
                {"--out", ""},
                {"--out", file.toString()},
                {"--resume", "--out", dir.resolve("never").toString()},
                {"--out", file.resolve("sub").toString()},
        };
        String[] messages = {"learning rate must be a positive number, got Infinity", "got NaN",
                "an output directory is required (--out DIR)", "is a file; give a directory",
                "no checkpoint", "cannot create the run directory"};
        for (int i = 0; i < cases.length; i++) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "classification",
                    "--method", "baseline", "--embedded", "--train-limit", "64", "--epochs", "1", "--no-progress"));
            args.addAll(java.util.List.of(cases[i]));
            Run r = run(args.toArray(String[]::new));
            assertEquals(2, r.code(), String.join(" ", cases[i]) + ": " + r.err());
            assertTrue(r.err().contains(messages[i]) && !r.err().contains("at dev.adm"), r.err());
        }
        assertTrue(!Files.exists(dir.resolve("inf")) && !Files.exists(dir.resolve("never")), "no run directory made");
        assertTrue(!Files.exists(Path.of("steps.csv")), "--out \"\" writes nothing into the working directory");
    }

    @Test
    void resumingARunOfAnotherTaskNamesTheTask() {
        Path seg = dir.resolve("seg");
        assertEquals(0, run("train", "segmentation", "--method", "baseline", "--embedded", "--canvas", "32",
                "--train-scenes", "16", "--test-scenes", "8", "--batch", "8", "--epochs", "1", "--overlays", "0",
                "--no-progress", "--out", seg.toString()).code());
        Run r = run("train", "classification", "--method", "baseline", "--embedded", "--train-limit", "64",
                "--epochs", "1", "--no-progress", "--resume", "--out", seg.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("task=segmentation but this run has task=classification"), r.err());
    }

    @Test
    void tooSmallAHeapIsOneLineNamingTheSetting() throws Exception {
        java.util.List<String> cmd = dev.adm.core.testing.ChildJvm.command(java.util.List.of("-Xmx24m"),
                AdmCommand.class, java.util.List.of("train", "classification", "--method", "baseline", "--embedded",
                        "--epochs", "1", "--no-progress", "--out", dir.resolve("oom").toString()));
        var child = dev.adm.core.testing.ChildJvm.run(cmd, java.time.Duration.ofSeconds(120));
        assertEquals(2, child.exitCode(), child.text());
        assertTrue(child.text().contains("adm: out of memory") && child.text().contains("ADM_JAVA_OPTS")
                && !child.text().contains("\tat "), child.text());
    }

    @Test
    void everyCommandGroupHasHelp() {
        for (String group : new String[]{"train", "experiment", "zoo"}) {
            CommandLine cl = AdmCommand.commandLine();
            StringWriter out = new StringWriter();
            cl.setOut(new PrintWriter(out, true));
            assertEquals(0, cl.execute(group, "--help"), group);
            assertTrue(out.toString().contains("Usage: adm " + group), out.toString());
        }
    }

    @Test
    void aRunThatDivergesSaysWhetherItCanBeContinued() {
        Run r = run("train", "classification", "--method", "baseline", "--embedded", "--train-limit", "64",
                "--batch", "32", "--epochs", "2", "--lr", "1e30", "--no-progress", "--checkpoint-every", "epoch",
                "--out", dir.resolve("diverged").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("training stopped at step") && r.err().contains("no checkpoint was written yet")
                && !r.err().contains("--resume"), r.err());
    }

    @Test
    void quickstartRunsBothMethodsAndWritesTheTable() throws Exception {
        Path out = dir.resolve("qs");
        Run r = run("quickstart", "--epochs", "1", "--train-limit", "128", "--teacher", "resnet8", "--no-progress",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        String table = Files.readString(out.resolve("summary.md"));
        assertTrue(table.contains("| dml |") && table.contains("| adm |"), table);
        assertTrue(Files.exists(out.resolve("adm/student.zip")) && Files.exists(out.resolve("dml/curves.png")));
        Run eval = run("eval", "--model", out.resolve("adm/student.zip").toString());
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("top-1"), eval.out());
    }

    @Test
    void lossWritesTheLossesAndGradientsOfNpyTensors() throws Exception {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        var logitsS = org.nd4j.linalg.factory.Nd4j.create(new double[][]{{1, 2, 0.5}, {-1, 0, 3}});
        var logitsT = org.nd4j.linalg.factory.Nd4j.create(new double[][]{{0.2, 1.5, 1}, {0.5, -0.5, 2}});
        dev.adm.core.parity.NpyFiles.writeFloat32(in.resolve("student_logits.npy"), logitsS);
        dev.adm.core.parity.NpyFiles.writeFloat32(in.resolve("teacher_logits.npy"), logitsT);
        Run missing = run("loss", "--method", "kd", "--inputs", in.toString(), "--out", dir.resolve("out").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("labels.npy"), missing.err());

        // labels [1, 2] as float: integer labels are required
        dev.adm.core.parity.NpyFiles.writeFloat32(in.resolve("labels.npy"),
                org.nd4j.linalg.factory.Nd4j.create(new double[]{1, 2}));
        Run floatLabels = run("loss", "--method", "kd", "--inputs", in.toString(), "--out", dir.resolve("out").toString());
        assertEquals(2, floatLabels.code());
        assertTrue(floatLabels.err().contains("integer"), floatLabels.err());
        Files.write(in.resolve("labels.npy"), int64Npy(1, 2));

        Run r = run("loss", "--method", "kd", "--inputs", in.toString(), "--out", dir.resolve("out").toString(),
                "--param", "T=1", "--param", "a=1", "--param", "b=0");
        assertEquals(0, r.code(), r.err());
        // a = 1, b = 0: the student's total is its plain cross-entropy
        double ce = (-Math.log(Math.exp(2) / (Math.exp(1) + Math.exp(2) + Math.exp(0.5)))
                - Math.log(Math.exp(3) / (Math.exp(-1) + Math.exp(0) + Math.exp(3)))) / 2;
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("out/loss.json").toFile());
        assertEquals(ce, json.get("student").asDouble(), 1e-6);
        assertTrue(json.get("teacher").isNull());
        assertTrue(Files.exists(dir.resolve("out/grad_student_logits.npy")));
        assertTrue(!Files.exists(dir.resolve("out/grad_teacher_logits.npy")), "kd's teacher is frozen");

        // tensors that cannot belong together, or are not numbers: one line naming the file, nothing written
        String[][] bad = {{"teacher_logits.npy", "rows"}, {"teacher_logits.npy", "classes"},
                {"student_logits.npy", "NaN"}};
        var rows = org.nd4j.linalg.factory.Nd4j.create(new double[][]{{0.2, 1.5, 1}, {0.5, -0.5, 2}, {1, 1, 1}});
        var classes = org.nd4j.linalg.factory.Nd4j.create(new double[][]{{0.2, 1.5, 1, 0}, {0.5, -0.5, 2, 0}});
        var nan = org.nd4j.linalg.factory.Nd4j.create(new double[][]{{1, Double.NaN, 0.5}, {-1, 0, 3}});
        org.nd4j.linalg.api.ndarray.INDArray[] values = {rows, classes, nan};
        for (int i = 0; i < bad.length; i++) {
            Path in2 = dir.resolve("bad" + i);
            Files.createDirectories(in2);
            Files.write(in2.resolve("labels.npy"), int64Npy(1, 2));
            dev.adm.core.parity.NpyFiles.writeFloat32(in2.resolve("student_logits.npy"), logitsS);
            dev.adm.core.parity.NpyFiles.writeFloat32(in2.resolve("teacher_logits.npy"), logitsT);
            dev.adm.core.parity.NpyFiles.writeFloat32(in2.resolve(bad[i][0]), values[i]);
            Run r2 = run("loss", "--method", "kd", "--inputs", in2.toString(), "--out", in2.resolve("out").toString());
            assertEquals(2, r2.code(), r2.err());
            assertTrue(r2.err().contains(bad[i][0]) && r2.err().contains(bad[i][1]) && !r2.err().contains("at org.")
                    && !r2.err().contains("at dev."), r2.err());
            assertTrue(!Files.exists(in2.resolve("out")), "nothing written");
        }
    }

    private static byte[] int64Npy(long... values) {
        StringBuilder h = new StringBuilder("{'descr': '<i8', 'fortran_order': False, 'shape': (" + values.length
                + ",), }");
        while ((10 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(10 + h.length() + 8 * values.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        buf.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length())
                .put(h.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        for (long v : values) {
            buf.putLong(v);
        }
        return buf.array();
    }
}
