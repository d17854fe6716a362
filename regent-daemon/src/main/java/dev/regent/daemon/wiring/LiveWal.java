package dev.regent.daemon.wiring;

import dev.regent.daemon.rest.NodeStatus;
import dev.regent.postgres.PgConnection;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Overlays the WAL positions, timeline and replication state read now from PostgreSQL on a published
 * {@link NodeStatus.PgDetails}, for {@code GET /patroni}. The read goes over the REST API's own connection
 * ({@code Postgresql#walNow}), never the HA
 * loop's, and is bounded by that connection's timeouts; when it fails the published details stand. Thread-safe.
 */
final class LiveWal {
    private static final Logger LOG = LoggerFactory.getLogger(LiveWal.class);
    private final Supplier<PgConnection.WalNow> reader;

    LiveWal(Supplier<PgConnection.WalNow> reader) {
        this.reader = reader;
    }

    NodeStatus.PgDetails overlay(NodeStatus.PgDetails published) {
        PgConnection.WalNow w;
        try {
            w = reader.get();
        } catch (RuntimeException e) {
            LOG.debug("GET /patroni: WAL positions from the last HA cycle ({})", e.getMessage());
            return published;
        }
        // promoted since the snapshot: no replica fields (the loop publishes the rest after its next cycle)
        boolean stillReplica = w.inRecovery() && published.inRecovery();
        // A replica that does not stream can be read only at pg_control's checkpoint timeline, which lags a timeline
        // switch until its next restartpoint; the loop's observation asked IDENTIFY_SYSTEM (Patroni's
        // get_replica_timeline). A failover race runs exactly while replicas lost their stream, and peers compare it.
        // replication_state is read now too, as Patroni's API does: a replica whose WAL receiver connected after the
        // loop's last cycle streams already, and a client polling GET /patroni must not see the older state.
        int timeline = stillReplica && !w.streaming() && published.timeline() > 0 ? published.timeline() : w.timeline();
        return new NodeStatus.PgDetails(published.postmasterStartTime(), published.serverVersion(), w.inRecovery(),
                w.location() == null ? 0 : w.location(), w.receiveLsn(), w.replayLsn(),
                stillReplica ? published.replayedTimestamp() : null, stillReplica && published.replayPaused(),
                published.latestEndLsn(), timeline, stillReplica ? (w.streaming() ? "streaming" : "in archive recovery")
                        : null,
                published.replication());
    }
}
