package dev.regent.core.model;

import java.util.List;
import java.util.Map;

/** The {@code status} key: {@code {"optime": lsn, "slots": {...}, "retain_slots": [...]}}. */
public record ClusterStatus(long optime, Map<String, Long> slots, List<String> retainSlots) {
    public static final ClusterStatus EMPTY = new ClusterStatus(0, Map.of(), List.of());

    public ClusterStatus {
        slots = slots == null ? Map.of() : Map.copyOf(slots);
        retainSlots = retainSlots == null ? List.of() : List.copyOf(retainSlots);
    }
}
