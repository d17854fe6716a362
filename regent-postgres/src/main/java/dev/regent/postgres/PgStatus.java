package dev.regent.postgres;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * One observation of a running PostgreSQL, from one status query ({@link PgConnection#status()}).
 *
 * @param inRecovery          pg_is_in_recovery()
 * @param walPosition         primary: pg_current_wal_lsn(); replica: max(receive, replay); as byte positions
 * @param receiveLsn          replica: pg_last_wal_receive_lsn(), null on a primary or when nothing was received
 * @param replayLsn           replica: pg_last_wal_replay_lsn(), null on a primary
 * @param timeline            primary: timeline of the current WAL file; replica: received_tli of the streaming WAL
 *                            receiver, else the latest checkpoint's timeline
 * @param replicationState    replica: "streaming" when the WAL receiver streams, else "in archive recovery";
 *                            null on a primary
 * @param postmasterStartTime pg_postmaster_start_time()
 * @param serverVersion       server_version_num
 * @param systemIdentifier    pg_control_system().system_identifier as decimal text
 * @param primarySlotName     primary_slot_name setting ("" when none)
 * @param replication         pg_stat_replication rows (on any node with WAL senders)
 * @param pendingRestartReason settings with pending_restart (recovery parameters excluded), by name, in name order
 */
public record PgStatus(boolean inRecovery, long walPosition, Long receiveLsn, Long replayLsn, int timeline,
                       String replicationState, OffsetDateTime postmasterStartTime, int serverVersion,
                       String systemIdentifier, String primarySlotName, List<Replication> replication,
                       Map<String, PendingChange> pendingRestartReason) {

    public PgStatus {
        pendingRestartReason = pendingRestartReason == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(pendingRestartReason));
    }

    /** Names of the settings with pending_restart. */
    public List<String> pendingRestart() {
        return List.copyOf(pendingRestartReason.keySet());
    }

    /**
     * Patroni's {@code pending_restart_reason} entry: the running value and the one a restart would apply.
     *
     * @param oldValue current_setting() of the running server
     * @param newValue the value in the configuration files ({@code ?} when unknown)
     */
    public record PendingChange(String oldValue, String newValue) {
        /** {@code {old_value, new_value}} as Patroni publishes it. */
        public Map<String, String> toMap() {
            Map<String, String> m = new java.util.LinkedHashMap<>();
            m.put("old_value", oldValue);
            m.put("new_value", newValue);
            return m;
        }
    }

    /** {@code {name: {old_value, new_value}}}, empty when no restart is pending. */
    public Map<String, Map<String, String>> pendingRestartReasonMap() {
        Map<String, Map<String, String>> m = new java.util.LinkedHashMap<>();
        pendingRestartReason.forEach((k, v) -> m.put(k, v.toMap()));
        return m;
    }

    /**
     * One pg_stat_replication row; LSNs are byte positions or null.
     */
    public record Replication(String usename, String applicationName, String clientAddr, String state,
                              String syncState, int syncPriority, Long writeLsn, Long flushLsn, Long replayLsn) {}
}
