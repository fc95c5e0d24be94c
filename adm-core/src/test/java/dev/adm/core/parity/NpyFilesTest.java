package dev.adm.core.parity;

import dev.adm.core.testing.AdmTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyFilesTest extends AdmTestBase {
    @TempDir
    Path dir;

    @Test
    void float32RoundTrip() {
        INDArray a = Nd4j.arange(24).reshape(2, 3, 4).castTo(DataType.DOUBLE).divi(7);
        Path f = dir.resolve("a.npy");
        NpyFiles.writeFloat32(f, a);
        INDArray b = NpyFiles.read(f);
        assertArrayEquals(a.shape(), b.shape());
        assertTrue(a.equalsWithEps(b, 1e-6));
    }

    @Test
    void malformedFilesGetOneClearError() throws Exception {
        Path good = dir.resolve("good.npy");
        NpyFiles.writeFloat32(good, Nd4j.ones(DataType.DOUBLE, 3, 2));
        byte[] bytes = Files.readAllBytes(good);
        expect(Arrays.copyOf(bytes, bytes.length - 3), "data bytes");
        expect(Arrays.copyOf(bytes, 12), "truncated inside its header");
        expect("garbage garbage".getBytes(StandardCharsets.US_ASCII), "magic");
        expect(new byte[0], "magic");
        expect(new String(bytes, StandardCharsets.ISO_8859_1).replace("'<f4'", "'>f4'")
                .getBytes(StandardCharsets.ISO_8859_1), "dtype '>f4'");
        expect(new String(bytes, StandardCharsets.ISO_8859_1).replace("False", "True ")
                .getBytes(StandardCharsets.ISO_8859_1), "Fortran order");
    }

    @Test
    void randomMutationsOfAValidFileReadOrFailClearly() throws Exception {
        Path f = dir.resolve("student_feat.npy");
        NpyFiles.writeFloat32(f, Nd4j.arange(2 * 3 * 4 * 4).reshape(2, 3, 4, 4).castTo(DataType.FLOAT));
        int rejected = dev.adm.core.testing.Mutations.check(f, 11, 300, NpyFiles::read, IllegalArgumentException.class);
        assertTrue(rejected > 150, "most mutants of a .npy file are invalid; rejected: " + rejected);
    }

    private void expect(byte[] content, String message) throws Exception {
        Path f = dir.resolve("bad.npy");
        Files.write(f, content);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NpyFiles.read(f));
        assertTrue(e.getMessage().contains(message) && e.getMessage().contains("bad.npy"), e.getMessage());
    }

    @Test
    void integerLabelsStayIntegers() throws Exception {
        // numpy.save(np.array([3, 1], dtype=np.int64)) as bytes
        String header = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }";
        StringBuilder h = new StringBuilder(header);
        while ((10 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(10 + h.length() + 16)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        buf.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length())
                .put(h.toString().getBytes(StandardCharsets.ISO_8859_1)).putLong(3).putLong(1);
        Path f = dir.resolve("labels.npy");
        Files.write(f, buf.array());
        INDArray labels = NpyFiles.read(f);
        assertEquals(DataType.LONG, labels.dataType());
        assertEquals(3L, labels.getLong(0));
        assertEquals(1L, labels.getLong(1));
    }
}
