package dev.adm.core.parity;

import com.google.common.base.Preconditions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format 1.0-3.0, little-endian {@code <f4 <f8 <i4 <i8}, C order). Parsed here in
 * Java rather than by ND4J's native reader so that a malformed file gets a clear error naming the problem
 * instead of a native crash.
 */
public final class NpyFiles {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyFiles() {
    }

    /** Reads an array; floating types become DOUBLE, integer types LONG. */
    public static INDArray read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        check(file, bytes.length >= 10 && Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC),
                "does not start with the .npy magic \\x93NUMPY");
        int major = bytes[6];
        check(file, major >= 1 && major <= 3, "has unsupported .npy version " + major);
        int headerLength;
        int offset;
        if (major == 1) {
            headerLength = Short.toUnsignedInt(buf.getShort(8));
            offset = 10;
        } else {
            check(file, bytes.length >= 12, "is truncated inside its header");
            headerLength = buf.getInt(8);
            offset = 12;
        }
        check(file, headerLength > 0 && offset + (long) headerLength <= bytes.length, "is truncated inside its header");
        String header = new String(bytes, offset, headerLength, StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shapeText = SHAPE.matcher(header);
        check(file, descr.find() && fortran.find() && shapeText.find(), "has a header without descr, fortran_order "
                + "and shape: " + header.trim());
        check(file, fortran.group(1).equals("False"), "is in Fortran order; save it with numpy.ascontiguousarray");
        long[] shape = Arrays.stream(shapeText.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .mapToLong(s -> parseDim(file, s)).toArray();
        long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        String type = descr.group(1);
        int width = switch (type) {
            case "<f4", "<i4" -> 4;
            case "<f8", "<i8" -> 8;
            default -> {
                check(file, false, "has dtype '" + type + "'; use float32, float64, int32 or int64 (little-endian)");
                yield 0;
            }
        };
        int data = offset + headerLength;
        check(file, bytes.length - (long) data == count * width, "holds " + (bytes.length - data) + " data bytes but "
                + "shape " + Arrays.toString(shape) + " of " + type + " needs " + count * width);
        INDArray out = Nd4j.create(type.startsWith("<f") ? DataType.DOUBLE : DataType.LONG, shape.length == 0 ? new long[0] : shape,
                'c');
        for (long i = 0; i < count; i++) {
            int at = data + (int) (i * width);
            switch (type) {
                case "<f4" -> out.putScalar(i, buf.getFloat(at));
                case "<f8" -> out.putScalar(i, buf.getDouble(at));
                case "<i4" -> out.putScalar(i, (long) buf.getInt(at));
                default -> out.putScalar(i, buf.getLong(at));
            }
        }
        return out;
    }

    /** Writes a float32 array (format 1.0), via a temporary file renamed into place. */
    public static void writeFloat32(Path file, INDArray array) {
        long[] shape = array.shape();
        String dims = shape.length == 1 ? shape[0] + "," : String.join(", ", Arrays.stream(shape)
                .mapToObj(Long::toString).toList());
        StringBuilder header = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }");
        while ((10 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        long n = array.length();
        ByteBuffer buf = ByteBuffer.allocate(10 + header.length() + (int) (4 * n)).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length())
                .put(header.toString().getBytes(StandardCharsets.ISO_8859_1));
        INDArray flat = array.dup('c').reshape(n);
        for (long i = 0; i < n; i++) {
            buf.putFloat(flat.getFloat(i));
        }
        try {
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.write(tmp, buf.array());
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static long parseDim(Path file, String s) {
        try {
            long d = Long.parseLong(s);
            check(file, d >= 0, "has a negative dimension " + d);
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + " has a malformed shape entry '" + s + "'");
        }
    }

    private static void check(Path file, boolean ok, String problem) {
        Preconditions.checkArgument(ok, "%s %s", file, problem);
    }
}
