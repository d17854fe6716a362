package dev.regent.ctl;

/**
 * A failure regentctl reports as one line {@code Error: <message>} on stderr with a non-zero exit code (1 like
 * patronictl's {@code PatroniCtlException}, 2 for usage errors). Never shown with a stack trace.
 */
public final class CtlException extends RuntimeException {
    private final int exitCode;

    public CtlException(String message) {
        this(message, 1);
    }

    public CtlException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
