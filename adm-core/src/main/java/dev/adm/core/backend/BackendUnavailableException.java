package dev.adm.core.backend;

/** The ND4J backend cannot start; the message names what is missing and the alternative. */
public final class BackendUnavailableException extends IllegalStateException {
    BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
