package dev.adm.models.data;

/** A data file or folder that cannot be read as what it claims to be; the message says which and why. */
public final class DataFormatException extends RuntimeException {
    public DataFormatException(String message) {
        super(message);
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
