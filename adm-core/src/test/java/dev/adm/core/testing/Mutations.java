package dev.adm.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded random mutations of a valid file (truncations, flipped bytes in the header and anywhere, extreme integers,
 * appended garbage, pure garbage, empty) fed to a reader: every mutant must either still read or fail with one of
 * the project's clear error types and a message that names the file. Anything else (a NullPointerException, an
 * index out of bounds, an attempt to allocate gigabytes) fails the test, naming the mutation.
 */
public final class Mutations {
    /** A reader under test. */
    @FunctionalInterface
    public interface Reader {
        void read(Path file) throws Exception;
    }

    /** One mutated copy of the file and how it was made. */
    public record Mutant(String description, byte[] bytes) {
    }

    private static final int[] EXTREMES = {Integer.MAX_VALUE, -1, Integer.MIN_VALUE, 0, 65_536};

    private Mutations() {
    }

    public static List<Mutant> of(byte[] valid, long seed, int count) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Mutant> out = new ArrayList<>();
        out.add(new Mutant("empty", new byte[0]));
        for (int i = 1; i < count; i++) {
            byte[] b = valid.clone();
            switch (rnd.nextInt(6)) {
                case 0 -> {
                    int len = rnd.nextInt(Math.max(1, valid.length));
                    out.add(new Mutant("truncated to " + len + " of " + valid.length + " bytes", Arrays.copyOf(b, len)));
                }
                case 1 -> {
                    StringBuilder where = new StringBuilder();
                    for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
                        int at = rnd.nextInt(Math.min(64, b.length));
                        b[at] ^= (byte) (1 + rnd.nextInt(255));
                        where.append(' ').append(at);
                    }
                    out.add(new Mutant("header bytes changed at" + where, b));
                }
                case 2 -> {
                    StringBuilder where = new StringBuilder();
                    for (int k = 1 + rnd.nextInt(16); k > 0; k--) {
                        int at = rnd.nextInt(b.length);
                        b[at] ^= (byte) (1 + rnd.nextInt(255));
                        where.append(' ').append(at);
                    }
                    out.add(new Mutant("bytes changed at" + where, b));
                }
                case 3 -> {
                    int at = rnd.nextInt(Math.max(1, Math.min(64, b.length) - 3));
                    int v = EXTREMES[rnd.nextInt(EXTREMES.length)];
                    for (int k = 0; k < 4 && at + k < b.length; k++) {
                        b[at + k] = (byte) (v >>> (8 * (3 - k)));
                    }
                    out.add(new Mutant("int " + v + " written at " + at, b));
                }
                case 4 -> {
                    byte[] tail = new byte[1 + rnd.nextInt(100)];
                    rnd.nextBytes(tail);
                    byte[] longer = Arrays.copyOf(b, b.length + tail.length);
                    System.arraycopy(tail, 0, longer, b.length, tail.length);
                    out.add(new Mutant(tail.length + " garbage bytes appended", longer));
                }
                default -> {
                    byte[] garbage = new byte[1 + rnd.nextInt(Math.max(1, valid.length))];
                    rnd.nextBytes(garbage);
                    out.add(new Mutant(garbage.length + " bytes of garbage", garbage));
                }
            }
        }
        return out;
    }

    /**
     * Writes each mutant over {@code file} (restoring the valid content afterwards), runs the reader, and checks
     * the outcome. Returns how many mutants were rejected, so a caller can assert the mutations were noticed.
     *
     * @param allowed the clear error types the reader may throw
     */
    @SafeVarargs
    public static int check(Path file, long seed, int count, Reader reader, Class<? extends Exception>... allowed)
            throws Exception {
        byte[] valid = Files.readAllBytes(file);
        String name = file.getFileName().toString();
        int rejected = 0;
        try {
            for (Mutant m : of(valid, seed, count)) {
                Files.write(file, m.bytes());
                try {
                    reader.read(file);
                } catch (Exception e) {
                    if (Arrays.stream(allowed).noneMatch(c -> c.isInstance(e))) {
                        throw new AssertionError(name + " " + m.description() + ": " + e.getClass().getName()
                                + " instead of a clear error", e);
                    }
                    String msg = String.valueOf(e.getMessage());
                    assertTrue(msg.contains(name), () -> name + " " + m.description() + ": the message does not name "
                            + "the file: " + msg);
                    rejected++;
                } catch (Throwable t) {
                    fail(name + " " + m.description() + ": " + t, t);
                }
            }
        } finally {
            Files.write(file, valid);
        }
        return rejected;
    }
}
