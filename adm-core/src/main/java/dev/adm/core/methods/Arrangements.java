package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.engine.Participant;
import dev.adm.core.engine.Role;

import java.util.List;

/** Helpers for {@code DistillationMethod.arrange}: finding the participants a method reshapes. */
final class Arrangements {
    private Arrangements() {
    }

    /** The only participant with the role; an error naming the method and the command-line fix otherwise. */
    static Participant single(List<Participant> networks, Role role, String method) {
        List<Participant> found = networks.stream().filter(p -> p.role() == role).toList();
        Preconditions.checkArgument(found.size() == 1, "method '%s' needs exactly one %s network, got %s (on the "
                + "command line: --teacher MODEL for online methods, --teacher-checkpoint FILE for offline ones)",
                method, role.name().toLowerCase(java.util.Locale.ROOT), found.size());
        return found.get(0);
    }
}
