package dev.adm.examples;

import dev.adm.core.Distiller;
import dev.adm.core.methods.MethodRegistry;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.File;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each example, run as a user of the published artifacts would, with what it claims checked. */
class ExamplesTest {
    private static final double CHANCE = 1.0 / ExampleData.CLASSES;

    @Test
    void onlineAdmTrainsTheUsersNetworksAndCallsTheirListeners() {
        OnlineAdm.Result r = OnlineAdm.run(512, 2);
        assertEquals(16, r.studentScores().scores().size(), "one score per step: 512 / 64 * 2 epochs");
        double[] loss = r.studentScores().firstAndLast(3);
        assertTrue(loss[1] < loss[0], "the student's loss decreases: " + loss[0] + " -> " + loss[1]);
        assertEquals(r.exported().params(), r.student().params(), "the user's graph holds the trained weights");
        assertEquals(16, r.student().getIterationCount());
        assertEquals(2, r.student().getEpochCount());
        assertTrue(r.testAccuracy() > 2 * CHANCE, "test accuracy " + r.testAccuracy());
    }

    @Test
    void offlineKdFromASavedTeacherIntoAHandBuiltStudent(@TempDir File dir) throws IOException {
        OfflineKd.Result r = OfflineKd.run(1024, 2, dir);
        assertTrue(r.teacherAccuracy() > 2 * CHANCE, "teacher accuracy " + r.teacherAccuracy());
        assertTrue(r.studentAccuracy() > 2 * CHANCE, "student accuracy " + r.studentAccuracy());
        INDArray images = ExampleData.test(8, 8).next().getFeatures();
        assertEquals(r.student().outputSingle(images), r.reloadedExport().outputSingle(images),
                "the exported zip predicts as the trained student does");
    }

    @Test
    void multiLayerNetworkStudentOnFlatRowsIsTrainedInPlace() {
        MultiLayerStudent.Result r = MultiLayerStudent.run(512, 2);
        assertNotEquals(r.paramsBefore(), r.student().params());
        assertEquals(16, r.student().getIterationCount());
        assertEquals(2, r.student().getEpochCount());
        assertTrue(r.testAccuracy() > 2 * CHANCE, "test accuracy " + r.testAccuracy());
    }

    @Test
    void aMethodFromThisProjectRunsLikeABuiltInOne() {
        assertTrue(MethodRegistry.entries().stream().anyMatch(e -> e.name().equals(LogitMseMethods.NAME)),
                "found through ServiceLoader");
        ComputationGraph teacher = OfflineKd.smallCnn(5);
        ComputationGraph student = OfflineKd.smallCnn(6);
        Distiller d = Distiller.builder(LogitMseMethods.NAME).param("weight", 0.5)
                .frozenTeacher(teacher).student(student).build();
        d.fit(ExampleData.train(128, 64), 1);
        assertTrue(d.lastStep().terms().containsKey("mse/student"), "terms " + d.lastStep().terms());
        assertEquals(2, student.getIterationCount());
    }
}
