package dev.regent.core.sync;

/**
 * The primary's synchronous replication observations for one decision.
 *
 * @param facts        what postgres reported this cycle
 * @param readiness    the readiness after these facts ({@link SyncReadiness#next})
 * @param justPromoted this node promoted less than {@code loop_wait} ago: quorum mode leaves the standbys that time
 *                     to reconnect before it drops them (Patroni waits the same)
 * @param managed      the shell set {@code synchronous_standby_names} itself (rather than leaving the configured
 *                     value): with sync mode off it must be restored
 */
public record SyncObserved(SyncFacts facts, SyncReadiness readiness, boolean justPromoted, boolean managed) {}
