package dev.regent.core.sync;

/**
 * The primary's synchronous replication observations for one decision.
 *
 * @param facts        what postgres reported this cycle
 * @param readiness    the readiness after these facts ({@link SyncReadiness#next})
 * @param sincePromotionMillis how long ago this process saw its postgres promoted, or -1 (no promotion seen:
 *                     primary since start, or not primary). Quorum mode leaves the standbys {@code loop_wait} to
 *                     reconnect before it drops them (Patroni waits the same); {@code on} mode keeps the {@code *} set
 *                     before the promotion for {@code ttl} while no standby streams, so no commit is acknowledged
 *                     without a standby right after a failover
 * @param managed      the shell set {@code synchronous_standby_names} itself (rather than leaving the configured
 *                     value): with sync mode off it must be restored
 */
public record SyncObserved(SyncFacts facts, SyncReadiness readiness, long sincePromotionMillis, boolean managed) {
    /** Promoted less than {@code windowMillis} ago. */
    public boolean promotedWithin(long windowMillis) {
        return sincePromotionMillis >= 0 && sincePromotionMillis < windowMillis;
    }
}
