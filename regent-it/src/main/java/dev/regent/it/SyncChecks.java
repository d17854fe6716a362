package dev.regent.it;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.SyncState;
import dev.regent.core.sync.SyncStandbyNames;
import dev.regent.daemon.demo.Demo;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * What the synchronous-replication soak and benchmark need of a {@link LocalCluster}: switching the mode, waiting until
 * {@code /sync} and {@code synchronous_standby_names} agree, and the acknowledged ids missing on a node.
 */
final class SyncChecks {
    private final LocalCluster cluster;

    SyncChecks(LocalCluster cluster) {
        this.cluster = cluster;
    }

    /** PATCH /config on node 0; throws unless 200. */
    void patch(String json) {
        HttpResponse<String> r = cluster.rest(0, "PATCH", "/config", json);
        if (r.statusCode() != 200) throw new IllegalStateException("PATCH /config " + json + ": " + r.body());
    }

    /**
     * The cluster healthy with {@code /sync} naming the leader and its synchronous standbys as {@code mode} wants
     * ({@code on}: one standby; {@code quorum}: both, quorum 1), and the leader's synchronous_standby_names saying the
     * same; {@code off}: no {@code /sync}.
     */
    ClusterView awaitSync(String mode, Duration timeout) {
        return cluster.await("healthy with /sync in " + mode + " mode", timeout, c -> {
            if (!Demo.healthy(c, 3)) return false;
            SyncState s = c.sync();
            if (mode.equals("off")) return s == null;
            if (s == null || !c.leader().name().equals(s.leader())) return false;
            String names = show(c.leader().name());
            return mode.equals("quorum") ? s.syncStandbys().size() == 2 && s.quorum() == 1
                    && ("ANY 1 (" + String.join(",", s.syncStandbys().stream().sorted()
                            .map(SyncStandbyNames::quote).toList()) + ")").equals(names)
                    : s.syncStandbys().size() == 1 && s.quorum() == 0
                    && SyncStandbyNames.quote(s.syncStandbys().iterator().next()).equals(names);
        });
    }

    /** SHOW synchronous_standby_names on {@code node}; null when it does not answer. */
    String show(String node) {
        return queryOrNull(cluster.jdbcUrl(cluster.index(node)), "SHOW synchronous_standby_names");
    }

    /** The acknowledged ids of {@code w} that {@code node} does not have (sorted as acknowledged). */
    List<Long> missing(Writer w, String node) throws SQLException {
        List<Writer.Ack> acks = w.acks();
        Set<Long> present = new HashSet<>();
        try (Connection c = DriverManager.getConnection(cluster.jdbcUrl(cluster.index(node)), LocalCluster.SUPERUSER,
                LocalCluster.SUPERUSER_PASSWORD); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM regent_writes")) {
            while (rs.next()) present.add(rs.getLong(1));
        }
        return acks.stream().map(Writer.Ack::id).filter(id -> !present.contains(id)).toList();
    }

    static String queryOrNull(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD);
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            return null;
        }
    }

    /** Polls {@code check} every 20 ms; the nanoTime at which it first held. Throws after {@code timeout}. */
    static long awaitNanos(String what, Duration timeout, BooleanSupplier check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.getAsBoolean()) return System.nanoTime();
            LocalCluster.sleep(20);
        }
        throw new IllegalStateException("timed out waiting for " + what);
    }
}
