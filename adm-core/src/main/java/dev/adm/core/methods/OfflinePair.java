package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.LossScope;
import dev.adm.core.engine.NetworkRef;
import dev.adm.core.engine.Role;

/** The frozen teacher and the trained student an offline method needs; any other setup is an error. */
record OfflinePair(NetworkRef teacher, NetworkRef student) {
    static OfflinePair of(LossScope scope) {
        String method = scope.methodName();
        NetworkRef teacher = scope.single(Role.TEACHER);
        NetworkRef student = scope.single(Role.STUDENT);
        Preconditions.checkArgument(!teacher.trainable(), "%s is offline: freeze the teacher '%s' (trainable=false; "
                + "--teacher-checkpoint FILE on the command line), or use an online method such as dml or adm",
                method, teacher.name());
        return new OfflinePair(teacher, student);
    }
}
