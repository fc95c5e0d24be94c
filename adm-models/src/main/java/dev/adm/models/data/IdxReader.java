package dev.adm.models.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST ({@code *-images-idx3-ubyte}, {@code *-labels-idx1-ubyte},
 * optionally gzip-compressed). Big-endian header: magic {@code 0x00000803} (images) or {@code 0x00000801}
 * (labels), then the dimensions; then unsigned bytes.
 */
public final class IdxReader {
    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;

    private IdxReader() {
    }

    /** Images as unsigned bytes plus their shape. */
    public record Images(byte[] pixels, int count, int rows, int cols) {
    }

    public static Images readImages(Path file) {
        return read(file, "images", in -> {
            int magic = in.readInt();
            check(magic == IMAGES_MAGIC, file, "is not an IDX image file: magic number 0x%08X, expected 0x%08X",
                    magic, IMAGES_MAGIC);
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            check(count > 0 && rows > 0 && cols > 0 && (long) count * rows * cols < Integer.MAX_VALUE, file,
                    "has an impossible header: %d images of %dx%d", count, rows, cols);
            byte[] pixels = readFully(in, count * rows * cols, file, count + " images of " + rows + "x" + cols);
            checkEnd(in, file);
            return new Images(pixels, count, rows, cols);
        });
    }

    public static int[] readLabels(Path file) {
        return read(file, "labels", in -> {
            int magic = in.readInt();
            check(magic == LABELS_MAGIC, file, "is not an IDX label file: magic number 0x%08X, expected 0x%08X",
                    magic, LABELS_MAGIC);
            int count = in.readInt();
            check(count > 0 && count < Integer.MAX_VALUE - 8, file, "has an impossible header: %d labels", count);
            byte[] raw = readFully(in, count, file, count + " labels");
            checkEnd(in, file);
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xFF;
            }
            return labels;
        });
    }

    private interface Body<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static <T> T read(Path file, String what, Body<T> body) {
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(maybeGunzip(raw, file), 1 << 16))) {
            return body.read(in);
        } catch (NoSuchFileException e) {
            throw new DataFormatException("missing " + what + " file " + file);
        } catch (EOFException e) {
            // a plain file ends early only in its header (the body is read with readNBytes); a gzip stream anywhere
            throw new DataFormatException(file + (file.getFileName().toString().endsWith(".gz")
                    ? " is truncated: the compressed data ends before the end of its stream (an incomplete download?)"
                    : " is truncated: it ends inside the header"));
        } catch (IOException e) {
            throw new DataFormatException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static InputStream maybeGunzip(InputStream raw, Path file) throws IOException {
        return file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
    }

    /**
     * The {@code length} bytes the header promises. Read in chunks rather than allocated up front, so a damaged
     * header that promises gigabytes fails as a truncated file instead of exhausting memory.
     */
    private static byte[] readFully(DataInputStream in, int length, Path file, String expected) throws IOException {
        byte[] data = in.readNBytes(length);
        if (data.length < length) {
            throw new DataFormatException(file + " is truncated: the header promises " + expected + " ("
                    + length + " bytes) but only " + data.length + " bytes follow");
        }
        return data;
    }

    private static void checkEnd(DataInputStream in, Path file) throws IOException {
        if (in.read() >= 0) {
            throw new DataFormatException(file + " has bytes after the data its header describes; is it the right file?");
        }
    }

    private static void check(boolean ok, Path file, String message, Object... args) {
        if (!ok) {
            throw new DataFormatException(file + " " + String.format(message, args));
        }
    }
}
