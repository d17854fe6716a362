package dev.regent.core.ha;

/** An operator command queued by the REST API and consumed by the next HA cycle. */
public sealed interface Command {
    /** POST /restart (already filtered by its conditions). */
    record Restart(Integer timeoutSeconds) implements Command {}

    /** POST /reinitialize. */
    record Reinitialize(boolean force, boolean fromLeader) implements Command {}

    /** POST /reload or SIGHUP: re-render configuration and reload postgres. */
    record Reload() implements Command {}
}
