package dev.adm.core.engine;

/**
 * The names of the loss graph's variables, in one place: a network's tensors are {@code <network>/logits} and
 * {@code <network>/<tap>}, their stop-gradient forms end in {@code /sg}, its classifier head enters as
 * {@code <network>/head/W} and {@code <network>/head/b}, its weighted total is {@code <network>/loss} and its update
 * condition {@code <network>/update}.
 */
final class VariableNames {
    static final String LABELS = "labels";
    private static final String DETACHED = "/sg";

    private VariableNames() {
    }

    static String logits(String network) {
        return network + "/logits";
    }

    static String tap(String network, String tap) {
        return network + "/" + tap;
    }

    /** The stop-gradient form of a tensor, and the name of every per-step constant (a precomputed input). */
    static String detached(String name) {
        return name + DETACHED;
    }

    static boolean isDetached(String name) {
        return name.endsWith(DETACHED);
    }

    static String headWeight(String network) {
        return network + "/head/W";
    }

    static String headBias(String network) {
        return network + "/head/b";
    }

    static String total(String network) {
        return network + "/loss";
    }

    static String gate(String network) {
        return network + "/update";
    }

    /** How a term is reported in {@link StepResult#terms()}: {@code term/network}, e.g. {@code ce/student}. */
    static String term(String term, String network) {
        return term + "/" + network;
    }
}
