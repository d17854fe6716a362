package dev.regent.postgres;

import java.util.Map;

/**
 * The environment Regent's child processes inherit (PostgreSQL, pg_ctl, initdb, pg_basebackup, pg_rewind, custom
 * methods, callbacks): the daemon's own, less every {@code PATRONI_*} variable. Those configure Regent and carry
 * passwords ({@code PATRONI_SUPERUSER_PASSWORD}, {@code PATRONI_RESTAPI_PASSWORD}, ...); Patroni pops them from its
 * environment as it reads them so that nothing it starts sees them, and a JVM cannot change its own environment, so
 * every launcher scrubs its copy instead.
 */
final class ChildEnvironment {
    static final String PREFIX = "PATRONI_";

    private ChildEnvironment() {}

    /** Removes the {@code PATRONI_*} variables from {@code env} (a ProcessBuilder's copy) and returns it. */
    static Map<String, String> scrub(Map<String, String> env) {
        env.keySet().removeIf(k -> k.startsWith(PREFIX));
        return env;
    }
}
