package dev.regent.core.sync;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.SyncState;
import dev.regent.core.model.Tags;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A replica about to stop (shutdown, restart) asks the primary to release it from synchronous standby duty first, as
 * Patroni 4's {@code while_not_sync_standby}: it publishes {@code nosync: true} and {@code sync_priority: 0} in its
 * member key, then waits (up to twice {@code loop_wait}) until the primary has taken it out of {@code /sync}, the
 * primary changes or goes away, or the DCS fails; then it stops. The primary unpublishes it from {@code /sync} before
 * it unlists it from {@code synchronous_standby_names} (the ordering invariant), and picks another standby, so a
 * {@code synchronous_node_count} that the remaining standbys still meet never blocks writes for a cycle, and a
 * promotion never waits for a member that is gone. It is only a hint: a DCS error or the timeout lets the stop go on.
 */
public final class SyncRelease {
    private SyncRelease() {}

    /**
     * Whether this replica must ask for release before it stops: sync mode on or quorum, not the leader, and not
     * already out of the sync race by its own {@code nosync} tag (Patroni skips the wait then).
     */
    public static boolean needed(ClusterView cluster, String me, Map<String, Object> ownTags) {
        if (cluster == null || cluster.isLeader(me)) return false;
        if (!SyncMode.of(cluster.configOrEmpty()).enabled()) return false;
        return !Tags.noSync(ownTags == null ? Map.of() : ownTags);
    }

    /** The tags published while releasing: the node's own plus {@code nosync: true} and {@code sync_priority: 0}. */
    public static Map<String, Object> releasingTags(Map<String, Object> ownTags) {
        Map<String, Object> out = new LinkedHashMap<>(ownTags == null ? Map.of() : ownTags);
        out.put("nosync", true);
        out.put("sync_priority", 0);
        return out;
    }

    /**
     * Patroni's {@code is_sync_standby}: a leader holds the lock, {@code /sync} belongs to it, and lists {@code me}
     * (names compared case-insensitively, as Patroni does). False when {@code cluster} is null.
     */
    public static boolean isSyncStandby(ClusterView cluster, String me) {
        if (cluster == null || cluster.leader() == null || cluster.sync() == null) return false;
        SyncState s = cluster.sync();
        if (s.leader() == null || !s.leader().equalsIgnoreCase(cluster.leader().name())) return false;
        String mine = me.toLowerCase(Locale.ROOT);
        return s.syncStandbys().stream().anyMatch(n -> n.toLowerCase(Locale.ROOT).equals(mine));
    }

    /** How long to wait for the primary to notice: twice {@code loop_wait}, as Patroni. */
    public static Duration maxWait(int loopWaitSeconds) {
        return Duration.ofSeconds(2L * loopWaitSeconds);
    }
}
