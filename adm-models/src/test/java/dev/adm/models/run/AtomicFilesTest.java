package dev.adm.models.run;

import dev.adm.core.testing.ChildJvm;
import dev.adm.core.testing.Slow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Slow
class AtomicFilesTest {
    private static final int SIZE = 8 << 20;

    @TempDir
    Path dir;

    @Test
    void aWriterThatFailsLeavesTheOldFileAndNoTemporaryFile() throws Exception {
        Path target = dir.resolve("results.json");
        AtomicFiles.writeString(target, "old");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[1000]);
            throw new IOException("disk full");
        }));
        assertTrue(e.getMessage().contains("results.json") && e.getMessage().contains("disk full"), e.getMessage());
        assertEquals("old", Files.readString(target));
        assertEquals(List.of(target), list());
    }

    /**
     * A child JVM rewrites an 8 MB file in a loop (each version one repeated byte) and is killed with SIGKILL at
     * random moments: the file under its final name is always one whole version, never a mix or a truncation.
     */
    @Test
    void aKilledWriterNeverLeavesAHalfWrittenFile() throws Exception {
        Path target = dir.resolve("checkpoint.zip");
        Random random = new Random(7);
        int interruptedWrites = 0;
        // a kill lands inside a write about half of the time (ext4 spends the rest renaming over the old version):
        // keep killing until two did, so the test cannot pass without having seen that case
        for (int round = 0; round < 30 && (round < 4 || interruptedWrites < 2); round++) {
            Process p = new ProcessBuilder(ChildJvm.command(List.of("-Xmx256m"), RewriteLoop.class,
                    List.of(target.toString()))).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] ready = p.getInputStream().readNBytes(6); // "ready\n" once the first version is in place
            assertEquals("ready\n", new String(ready), "child did not start");
            Thread.sleep(50 + random.nextInt(400));
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            byte[] content = Files.readAllBytes(target);
            assertEquals(SIZE, content.length, "a whole version");
            byte[] whole = new byte[SIZE];
            Arrays.fill(whole, content[0]);
            assertArrayEquals(whole, content, "one version, not a mix");
            interruptedWrites += AtomicFiles.removeLeftovers(dir);
            assertEquals(List.of(target), list(), "only the target is left once leftovers are removed");
        }
        assertTrue(interruptedWrites >= 2, "only " + interruptedWrites + " of 30 kills interrupted a write; the test "
                + "proved too little");
    }

    private List<Path> list() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return new ArrayList<>(s.toList());
        }
    }

    /** The child: writes versions 1, 2, 3, ... of the file until killed. */
    public static final class RewriteLoop {
        public static void main(String[] args) {
            Path target = Path.of(args[0]);
            byte[] data = new byte[SIZE];
            for (int version = 1; ; version++) {
                byte value = (byte) version;
                AtomicFiles.write(target, out -> {
                    // content made while writing, in pieces, as real writers do (also while the JIT warms up)
                    for (int off = 0; off < SIZE; off += 64 << 10) {
                        Arrays.fill(data, off, off + (64 << 10), value);
                        out.write(data, off, 64 << 10);
                    }
                });
                if (version == 1) {
                    System.out.print("ready\n");
                    System.out.flush();
                }
            }
        }
    }
}
