package dev.regent.core.slots;

/** One change the shell makes to this node's replication slots, in the order given by {@link SlotReconciler}. */
public sealed interface SlotOp {
    String name();

    /** {@code pg_create_physical_replication_slot(name, true)}. */
    record CreatePhysical(String name) implements SlotOp {}

    /** {@code pg_create_logical_replication_slot(name, plugin)} in {@code database} (primary only). */
    record CreateLogical(String name, String plugin, String database) implements SlotOp {}

    /**
     * A logical slot PostgreSQL 15 cannot create on a standby: copy its state file from the primary and restart
     * postgres once (Patroni's copy_logical_slots).
     */
    record CopyLogical(String name, String plugin, String database) implements SlotOp {}

    /** {@code pg_replication_slot_advance(name, lsn)}; logical slots in their {@code database}. */
    record Advance(String name, String database, long lsn) implements SlotOp {}

    /** {@code pg_drop_replication_slot(name)} unless it is active; {@code reason} is logged. */
    record Drop(String name, String reason) implements SlotOp {}
}
