package dev.adm.models.run;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a process opens the files of a minibatch export ({@link MinibatchExport}): this machine's file system
 * ({@link #local}), or on a cluster whatever its file system reads ({@code hdfs://}, {@code s3a://}).
 */
@FunctionalInterface
public interface ExportFiles {
    /** The file at {@code path}, to read once. */
    InputStream open(String path) throws IOException;

    /** The file {@code name} in the directory {@code dir} (a local path or a URI). */
    static String child(String dir, String name) {
        return (dir.endsWith("/") ? dir : dir + "/") + name;
    }

    /** This machine's file system. */
    static ExportFiles local() {
        return path -> Files.newInputStream(path.startsWith("file:") ? Path.of(URI.create(path)) : Path.of(path));
    }
}
