package dev.regent.core.ha;

/**
 * The filters of a {@code POST /restart} (immediate or scheduled): Patroni's {@code restart_matches}, the one
 * implementation of the role / postgres_version / restart_pending checks. Immutable.
 *
 * @param role            restart only when the node has this role ({@code primary}, {@code standby_leader},
 *                        {@code replica}); null = any
 * @param postgresVersion restart only when the running server_version_num is lower (e.g. {@code 150005}); null = any
 * @param restartPending  restart only when PostgreSQL reports a pending restart
 */
public record RestartConditions(String role, Integer postgresVersion, boolean restartPending) {
    /**
     * Why the restart must not run on a node with this role, server version and pending-restart flag (Patroni's
     * {@code host role mismatch}, {@code postgres version mismatch}, {@code pending restart flag is not set}, checked
     * in that order), or null when it may run.
     *
     * @param currentRole    the node's role as Patroni names it, null when postgres does not run
     * @param serverVersion  the running server_version_num, 0 when unknown
     * @param pendingRestart PostgreSQL reports settings that need a restart
     */
    public String mismatchReason(String currentRole, int serverVersion, boolean pendingRestart) {
        if (role != null && !role.equals(currentRole)) return "host role mismatch";
        if (postgresVersion != null && postgresVersion <= serverVersion) return "postgres version mismatch";
        if (restartPending && !pendingRestart) return "pending restart flag is not set";
        return null;
    }
}
