package dev.regent.core.slots;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The primary's {@code /status.retain_slots} (Patroni 4.0's member_slots_ttl): the slot names of the members seen in
 * the last member_slots_ttl, so that every node keeps the slot of a member that disappeared for that long. Pure: the
 * shell keeps the returned map (slot name to the last time its member was seen, epoch millis) between cycles.
 */
public final class RetainedSlots {
    private RetainedSlots() {}

    /**
     * @param lastSeen      the previous result (empty at start)
     * @param published     {@code retain_slots} of the current {@code /status} (the DCS is the source of truth for
     *                      names this node does not know yet, e.g. after a failover; absent from Patroni before 4.0)
     * @param memberSlots   slot names of the members now in the cluster that stream (this node's included)
     * @param nowMillis     current time
     * @param ttlSeconds    member_slots_ttl; 0 retains nothing
     * @return the new map; its sorted keys are what to publish
     */
    public static Map<String, Long> update(Map<String, Long> lastSeen, Collection<String> published,
                                           Collection<String> memberSlots, long nowMillis, long ttlSeconds) {
        Map<String, Long> out = new TreeMap<>();
        if (ttlSeconds <= 0) return out;
        out.putAll(lastSeen);
        for (String name : published) out.putIfAbsent(name, nowMillis);
        for (String name : memberSlots) out.put(name, nowMillis);
        out.values().removeIf(seen -> seen < nowMillis - ttlSeconds * 1000L);
        return out;
    }

    public static List<String> names(Map<String, Long> retained) {
        return new ArrayList<>(new TreeMap<>(retained).keySet());
    }
}
