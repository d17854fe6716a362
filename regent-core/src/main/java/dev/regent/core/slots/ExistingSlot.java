package dev.regent.core.slots;

/**
 * A row of {@code pg_replication_slots} on this node, as the shell read it.
 *
 * @param name              slot name
 * @param type              {@code physical} or {@code logical}
 * @param plugin            logical: output plugin
 * @param database          logical: database name
 * @param temporary         temporary slot (never managed)
 * @param active            a walsender or decoder uses it now
 * @param hasXmin           physical: {@code xmin} is set (hot_standby_feedback reached it)
 * @param restartLsn        restart_lsn, null when none is reserved
 * @param confirmedFlushLsn logical: confirmed_flush_lsn, null otherwise
 * @param walStatus         {@code reserved}, {@code extended}, {@code unreserved}, {@code lost}, or null
 */
public record ExistingSlot(String name, String type, String plugin, String database, boolean temporary,
                           boolean active, boolean hasXmin, Long restartLsn, Long confirmedFlushLsn,
                           String walStatus) {
    public static ExistingSlot physical(String name, boolean active, Long restartLsn) {
        return new ExistingSlot(name, SlotSpec.PHYSICAL, null, null, false, active, false, restartLsn, null,
                "reserved");
    }

    public static ExistingSlot logical(String name, String plugin, String database, boolean active,
                                       Long confirmedFlushLsn) {
        return new ExistingSlot(name, SlotSpec.LOGICAL, plugin, database, false, active, false, confirmedFlushLsn,
                confirmedFlushLsn, "reserved");
    }

    public boolean isLost() {
        return "lost".equals(walStatus);
    }
}
