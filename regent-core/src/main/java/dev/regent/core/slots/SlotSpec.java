package dev.regent.core.slots;

import java.util.Objects;

/**
 * A replication slot a node should have (one value of Patroni's {@code get_replication_slots}).
 *
 * @param type           {@code physical} or {@code logical}
 * @param plugin         output plugin of a logical slot, null for physical
 * @param database       database of a logical slot, null for physical
 * @param lsn            position the slot should be advanced to when nobody consumes it here (the leader's
 *                       {@code /status.slots} entry or the member's published WAL position); 0 when unknown
 * @param expectedActive a member is expected to stream from this node through the slot: never advanced or cleaned
 * @param permanent      from the dynamic {@code slots} section (its position is published in {@code /status.slots})
 */
public record SlotSpec(String type, String plugin, String database, long lsn, boolean expectedActive,
                       boolean permanent) {
    public static final String PHYSICAL = "physical";
    public static final String LOGICAL = "logical";

    public SlotSpec {
        Objects.requireNonNull(type, "type");
    }

    /** The slot of a member that streams from this node (Patroni creates it and leaves its position alone). */
    public static SlotSpec memberStreaming() {
        return new SlotSpec(PHYSICAL, null, null, 0, true, false);
    }

    public boolean isPhysical() {
        return PHYSICAL.equals(type);
    }

    public boolean isLogical() {
        return LOGICAL.equals(type);
    }
}
