package dev.adm.core.engine;

import dev.adm.core.methods.MethodRegistry;
import dev.adm.core.testing.AdmTestBase;
import dev.adm.core.testing.ChildJvm;
import dev.adm.core.testing.Slow;
import dev.adm.core.testing.TinyGraphs;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 2,000 ADM steps (two networks, the similarity kernel, every loss) must not grow ND4J's off-heap memory after a
 * warm-up: the engine frees each step's arrays, and nothing it keeps grows with the number of steps.
 */
@Slow
class OffHeapMemoryTest extends AdmTestBase {
    private static final Logger log = LoggerFactory.getLogger(OffHeapMemoryTest.class);
    private static final int STEPS = 2000;

    /**
     * Runs the steps in a child JVM whose heap is fixed and touched up front ({@code -Xms = -Xmx},
     * {@code AlwaysPreTouch}), so that any change of its resident memory is memory outside the Java heap.
     */
    @Test
    void twoThousandAdmStepsDoNotGrowMemoryOutsideTheHeap() throws Exception {
        List<String> cmd = ChildJvm.command(List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch"), Probe.class,
                List.of());
        ChildJvm.Output child = ChildJvm.run(cmd, Duration.ofSeconds(300));
        String out = child.text();
        assertEquals(0, child.exitCode(), out);
        Map<Integer, Long> rss = new TreeMap<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("rss ")) {
                String[] cells = line.split(" ");
                rss.put(Integer.parseInt(cells[1]), Long.parseLong(cells[2]));
            }
        }
        assertEquals(STEPS / 200, rss.size(), out);
        List<Long> marks = List.copyOf(rss.values());
        // medians of the first three and the last three marks: a leak grows steadily, while the JIT's code cache
        // and the allocator's arenas make one-off bumps of 10-20 MB at a single mark
        long early = median(marks.subList(3, 6)); // steps 800-1,200: after a one-time step of up to 25 MB near 700
        long late = median(marks.subList(marks.size() - 3, marks.size()));
        long growth = late - early;
        log.info("resident memory of the child JVM (256 MB heap, pre-touched), median of steps 800-1,200: {} MB, of "
                + "steps 1,600-2,000: {} MB (growth {} kB); all marks: {}", mb(early), mb(late), growth / 1024, rss);
        // a step allocates about 1 MB of activations and gradients (32x8x8x8 floats are 65 kB each): keeping even
        // one array per step would add over 50 MB between the two windows; allocator noise stays below 16 MB
        assertTrue(growth < 16 << 20, "memory outside the Java heap grew by " + growth / 1024 + " kB between steps "
                + "800-1,200 and steps 1,600-2,000: " + rss);
    }

    private static long median(List<Long> three) {
        return three.stream().sorted().toList().get(1);
    }

    /** The child: 2,000 ADM steps, printing {@code rss <step> <bytes>} every 200 steps. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            dev.adm.core.backend.Backend.initialize();
            Nd4j.getRandom().setSeed(1);
            List<Participant> nets = List.of(
                    Participant.builder("teacher", TinyGraphs.smooth(2, 8, 8, 8, 3, 1, DataType.FLOAT))
                            .role(Role.TEACHER).build(),
                    Participant.builder("student", TinyGraphs.smooth(2, 8, 8, 8, 3, 2, DataType.FLOAT))
                            .role(Role.STUDENT).build());
            DistillationEngine engine = new DistillationEngine(MethodRegistry.create("adm", Map.of()), nets,
                    new long[]{2, 8, 8}, 3);
            INDArray x = Nd4j.randn(DataType.FLOAT, 32, 2, 8, 8);
            INDArray y = Nd4j.eye(3).getRows(new java.util.Random(3).ints(32, 0, 3).toArray()).castTo(DataType.FLOAT);
            for (int step = 1; step <= STEPS; step++) {
                engine.step(x, y);
                if (step % 200 == 0) {
                    System.out.println("rss " + step + " " + settledBytes());
                }
            }
        }
    }

    /**
     * The process's resident memory once the garbage collector has released what it can (ND4J allocates its arrays
     * with the native allocator, which no Java counter sees).
     */
    private static long settledBytes() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(30); // collected arrays are freed from a reference queue
        }
        return Pointer.physicalBytes();
    }

    private static String mb(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytes / 1048576.0);
    }
}
