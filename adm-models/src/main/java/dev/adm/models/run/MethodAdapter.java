package dev.adm.models.run;

import dev.adm.core.engine.DistillationMethod;
import java.io.Serializable;

/**
 * How a task runs a registered method (segmentation adds its auxiliary heads' losses). Serialisable, so that the
 * machines of a cluster adapt the method they build from its registry name the way the driver did.
 */
@FunctionalInterface
public interface MethodAdapter extends Serializable {
    /** The registered method unchanged. */
    MethodAdapter NONE = method -> method;

    /** The method as the task runs it. */
    DistillationMethod adapt(DistillationMethod method);
}
