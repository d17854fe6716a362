package dev.regent.core.sync;

import java.util.Set;

/**
 * The primary's synchronous replication as the planners see it (Patroni's {@code _SyncState}).
 *
 * @param current   the parsed {@code synchronous_standby_names} in force
 * @param active    the standbys picked as candidates, best first (at most {@code synchronous_node_count} in
 *                  {@code on} mode; every eligible one in quorum mode)
 * @param confirmed candidates known to hold every acknowledged commit: listed, reported synchronous, ready
 *                  ({@link SyncReadiness})
 */
public record SyncObservation(SyncStandbyNames.Parsed current, Set<String> active, Set<String> confirmed) {
    public SyncObservation {
        active = Names.of(active);
        confirmed = Names.of(confirmed);
    }
}
