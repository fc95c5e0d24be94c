package dev.adm.cli;

import dev.adm.models.run.RunSettings;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The method, networks and run directory of one training run: the options every {@code train} command shares (a
 * picocli mixin; each command's {@link TaskDefaults} gives the defaults of its task).
 */
final class RunOptions {
    @Option(names = "--method", description = "method name (adm methods lists them); default ${DEFAULT-VALUE}")
    String method;
    @Option(names = "--param", description = "method parameter key=value, repeatable (e.g. --param tau=0.5)")
    Map<String, String> params = new LinkedHashMap<>();
    @Option(names = "--teacher", split = ",", description = "model(s) of teachers trained jointly (online methods); "
            + "comma-separated for several")
    List<String> teachers = new ArrayList<>();
    @Option(names = "--teacher-checkpoint", description = "a trained model .zip (from adm train) used as a frozen "
            + "teacher (offline methods)")
    Path teacherCheckpoint;
    @Option(names = {"--student", "--model"}, split = ",", description = "model(s) of the student(s), "
            + "comma-separated for several; default ${DEFAULT-VALUE}")
    List<String> students;
    @Option(names = "--out", description = "run directory; default runs/<task>-<method> (classification: "
            + "runs/<method>)")
    Path out;
    @Option(names = "--resume", description = "continue the run in <out> from its checkpoint.zip")
    boolean resume;
    @Option(names = "--overwrite", description = "start over in an <out> that holds another run (its files are "
            + "removed first)")
    boolean overwrite;
    @Option(names = "--stop-after", defaultValue = "0", description = "stop after N epochs (continue later with "
            + "--resume)")
    int stopAfter;
    @Option(names = "--batches", paramLabel = "DIR", description = "train on the minibatches adm export-batches "
            + "wrote to DIR (with the same data options) instead of drawing them; with --spark each worker reads its "
            + "own, from any path Spark reads (hdfs://, s3a://)")
    String batches;

    /** Sets these options on a task's config builder; {@code defaultOut} when no --out was given. */
    <B extends RunSettings.Builder<B>> B applyTo(B builder, Path defaultOut) {
        return builder.method(method).methodParams(params).teachers(teachers).teacherCheckpoint(teacherCheckpoint)
                .students(students).outDir(out != null ? out : defaultOut).resume(resume).overwrite(overwrite)
                .stopAfter(stopAfter).batches(batches);
    }
}
