package dev.adm.core.backend;

/**
 * What {@link Backend#initialize()} found.
 *
 * @param backend               ND4J's backend name ("CPU" or "CUDA")
 * @param helpersAllowed        whether ND4J lets layers use platform helpers
 * @param oneDnnActive          whether DL4J's conv/pool/BN layers will use oneDNN
 * @param helpersDisabledByUser whether the user forced helpers off with the system property
 * @param threads               ND4J's thread count
 */
public record BackendInfo(String backend, boolean helpersAllowed, boolean oneDnnActive,
                          boolean helpersDisabledByUser, int threads) {

    public boolean isCpu() {
        return "CPU".equalsIgnoreCase(backend);
    }

    /** One log line: backend, helpers, oneDNN, threads. */
    public String describe() {
        return String.format("ND4J backend %s, %d threads, platform helpers %s, oneDNN %s", backend, threads,
                helpersAllowed ? "allowed" : "not allowed",
                isCpu() ? (oneDnnActive ? "active" : "INACTIVE") : "n/a");
    }
}
