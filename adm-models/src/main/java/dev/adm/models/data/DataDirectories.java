package dev.adm.models.data;

import java.nio.file.Files;
import java.nio.file.Path;

/** The check every reader makes of the directory it is given, with a message that says what the path is instead. */
public final class DataDirectories {
    private DataDirectories() {
    }

    /**
     * Fails unless {@code dir} is a directory: a missing path and a file are told apart.
     *
     * @param what what the directory should hold, e.g. {@code the Fashion-MNIST IDX files}
     */
    public static void require(Path dir, String what) {
        if (Files.isRegularFile(dir)) {
            throw new DataFormatException(dir + " is a file; give the directory that holds " + what);
        }
        if (!Files.isDirectory(dir)) {
            throw new DataFormatException("data directory " + dir + " does not exist; give the directory that holds "
                    + what);
        }
    }
}
