package io.cloudtui.core;

/**
 * An error meant for the user: its message is printed as one line, {@code cloudtui: MESSAGE}, and
 * the process exits with {@link #exitCode()} (1 for operational errors, 2 for usage errors).
 */
public class CloudtuiException extends RuntimeException {
    private final int exitCode;

    public CloudtuiException(String message) {
        this(message, 1, null);
    }

    public CloudtuiException(String message, Throwable cause) {
        this(message, 1, cause);
    }

    public CloudtuiException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    public static CloudtuiException usage(String message) {
        return new CloudtuiException(message, 2, null);
    }

    public static CloudtuiException noSuchWorkload(String target) {
        return new CloudtuiException("no such workload '" + target + "'");
    }

    public static CloudtuiException unsupported(String backend, String verb) {
        return new CloudtuiException("backend '" + backend + "' does not support " + verb);
    }
}
