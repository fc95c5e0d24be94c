package dev.adm.models.run;

import com.google.common.base.Preconditions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The rule that a run directory belongs to one run: a new run refuses a directory that holds another unless it is
 * told to continue it ({@code --resume}) or to start over ({@code --overwrite}, which removes the old run's files
 * first), so no file ever mixes two runs.
 */
public final class RunDirectory {
    /** The files a run writes directly in its directory (besides the temporary files of its atomic writes). */
    private static final Pattern RUN_FILE = Pattern.compile("checkpoint\\.zip|results\\.json|metrics\\.csv"
            + "|steps\\.csv|curves\\.png|overlays\\.png|similarity\\.png|samples-.+\\.png"
            + "|(teacher|student|peer)\\d*\\.zip"
            + "|\\..+\\.-?\\d+(\\.[^.]+)"); // the last: a temporary file an interrupted atomic write left

    private RunDirectory() {
    }

    /** The files of a run in {@code dir} (none when it does not exist). */
    static List<Path> runFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> Files.isRegularFile(p) && RUN_FILE.matcher(p.getFileName().toString()).matches())
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code dir} holds a run: its checkpoint or any file a run writes. */
    public static boolean holdsRun(Path dir) {
        return runFiles(dir).stream().anyMatch(p -> !p.getFileName().toString().startsWith("."));
    }

    /**
     * Makes the settings' run directory ready before anything is trained or written: with {@code resume} it must
     * hold a checkpoint; otherwise it must hold no run, unless {@code overwrite}, which removes that run's files
     * (its results first, so an interrupted removal never leaves a run that looks finished).
     */
    public static void claim(RunSettings run) {
        Path dir = run.outDir();
        Preconditions.checkArgument(!Files.exists(dir) || Files.isDirectory(dir), "--out %s is a file; give a "
                + "directory for the run (it is created when missing)", dir);
        if (run.resume()) {
            Preconditions.checkArgument(Files.isRegularFile(dir.resolve(Checkpoint.FILE)), "--resume: %s holds no "
                    + "checkpoint to continue (%s); start without --resume", dir, Files.isDirectory(dir)
                    ? "no " + Checkpoint.FILE : "the directory does not exist");
            return;
        }
        List<Path> old = runFiles(dir);
        if (old.stream().noneMatch(p -> !p.getFileName().toString().startsWith("."))) {
            createWritable(dir);
            return;
        }
        Preconditions.checkArgument(run.overwrite(), "%s already holds a run (%s); continue it with --resume, start "
                + "it over with --overwrite, or give another --out", dir, names(old));
        if (run.teacherCheckpoint() != null) {
            Path teacher = run.teacherCheckpoint().toAbsolutePath().normalize();
            Preconditions.checkArgument(old.stream().noneMatch(p -> p.toAbsolutePath().normalize().equals(teacher)),
                    "--teacher-checkpoint %s is a file of the run in %s, which --overwrite would remove; copy it "
                            + "elsewhere first, or give another --out", run.teacherCheckpoint(), dir);
        }
        try {
            Files.deleteIfExists(dir.resolve(RunReport.RESULTS));
            Files.deleteIfExists(dir.resolve(Checkpoint.FILE));
            for (Path p : old) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("--overwrite: cannot remove the old run's files in " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /** Creates the directory when missing; fails, saying why, when it cannot be made or written. */
    private static void createWritable(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create the run directory --out " + dir + " (" + e + "); give a "
                    + "directory that can be made, or an existing one", e);
        }
        Preconditions.checkArgument(Files.isWritable(dir), "the run directory --out %s is not writable; give one this "
                + "user may write", dir);
    }

    private static String names(List<Path> files) {
        List<String> names = files.stream().map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
                .toList();
        return names.size() <= 4 ? String.join(", ", names) : String.join(", ", names.subList(0, 4)) + ", ...";
    }

    /**
     * The first setting a run was trained with ({@code stored}, from its checkpoint) that differs in
     * {@code current} or is set in only one of them, as {@code key=stored but this run has key=current} ({@code no
     * key} for one not set); empty when they agree. The task is compared first, so
     * a run of another task is named as such.
     */
    public static Optional<String> difference(Map<String, String> stored, Map<String, String> current) {
        Stream<String> keys = Stream.concat(Stream.concat(Stream.of("task").filter(stored::containsKey),
                stored.keySet().stream().filter(k -> !k.equals("task"))),
                current.keySet().stream().filter(k -> !stored.containsKey(k)));
        return keys.filter(k -> !Objects.equals(stored.get(k), current.get(k))).findFirst()
                .map(k -> setting(stored, k) + " but this run has " + setting(current, k));
    }

    private static String setting(Map<String, String> settings, String key) {
        return settings.containsKey(key) ? key + "=" + settings.get(key) : "no " + key;
    }
}
