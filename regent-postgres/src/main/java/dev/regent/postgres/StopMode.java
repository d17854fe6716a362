package dev.regent.postgres;

/** PostgreSQL shutdown modes and the postmaster signal each one sends. */
public enum StopMode {
    /** Wait for clients to disconnect (SIGTERM). */
    SMART("TERM"),
    /** Disconnect clients, shutdown checkpoint (SIGINT). */
    FAST("INT"),
    /** Abort without checkpoint; the next start runs crash recovery (SIGQUIT). */
    IMMEDIATE("QUIT");

    private final String signal;

    StopMode(String signal) {
        this.signal = signal;
    }

    /** Signal name as understood by {@code kill -s}. */
    public String signal() {
        return signal;
    }
}
