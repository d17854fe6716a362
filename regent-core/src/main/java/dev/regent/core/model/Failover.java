package dev.regent.core.model;

import java.time.Instant;

/**
 * A manual switchover/failover request from the {@code failover} key.
 *
 * @param version     DCS version for compare-and-set
 * @param leader      switchover source ("leader"), or null for a failover
 * @param candidate   target member ("member"), or null for "any healthy member"
 * @param scheduledAt when to execute, or null for now
 */
public record Failover(long version, String leader, String candidate, Instant scheduledAt) {
    /** "switchover" when a leader is named, else "manual failover" (Patroni's wording in messages). */
    public String actionName() {
        return leader != null && !leader.isEmpty() ? "switchover" : "manual failover";
    }
}
