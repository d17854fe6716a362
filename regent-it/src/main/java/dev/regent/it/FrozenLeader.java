package dev.regent.it;

import dev.regent.core.model.ClusterView;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * The frozen-daemon scenario of issue 15, for {@code FrozenDaemonEndToEndTest} and {@code bin/bench}: the leader's
 * daemon (not its postgres) is stopped with SIGSTOP while a writer inserts into its postgres directly; the freeze lasts
 * until another node holds the lock and its postgres accepts writes (from then on a second writer inserts there), and a
 * little longer; then SIGCONT, and the old primary is probed every 2 ms (one query on a kept connection) until it no
 * longer is a writable primary (connection broken and refused, or in recovery). No waiting for the rejoin: the caller
 * does that. Times are {@link System#nanoTime()}.
 *
 * <p>Which of the old primary's writes belong to the new timeline is not a matter of time: the candidate goes on
 * streaming from the old primary after it took the lock, until its promotion ends recovery, so writes the old primary
 * acknowledged in that window are legitimately part of the new timeline. The boundary is the fork LSN (the switch point
 * in the new primary's timeline history), against which every write carries the WAL bounds of its commit
 * ({@link LsnWriter}).
 */
public final class FrozenLeader {
    /**
     * What happened.
     *
     * @param oldLeader         the frozen node
     * @param newLeader         the node that took the lock during the freeze
     * @param stoppedAt         SIGSTOP sent
     * @param newLeaderSeenAt   the new leader key first seen (polled every 100 ms)
     * @param newPrimaryAt      the new leader's postgres first accepted a write
     * @param continuedAt       SIGCONT sent
     * @param readOnlyAt        first probe that found the old primary not writable, or -1 if none did within the bound
     * @param acks              the writes the old primary acknowledged (table {@link #OLD_TABLE})
     * @param newAcks           the writes the new primary acknowledged from {@code newPrimaryAt} until the old one
     *                          was found read-only (table {@link #NEW_TABLE})
     * @param oldTimeline       the old primary's timeline during the freeze
     * @param forkLsn           where the new primary's timeline left {@code oldTimeline}
     * @param logOffset         the size of the frozen daemon's log when SIGCONT was sent ({@link #logSince})
     */
    public record Result(String oldLeader, String newLeader, long stoppedAt, long newLeaderSeenAt, long newPrimaryAt,
                         long continuedAt, long readOnlyAt, List<LsnWriter.Ack> acks, List<LsnWriter.Ack> newAcks,
                         int oldTimeline, long forkLsn, long logOffset) {
        /** SIGCONT to the old primary found not writable, in seconds (NaN when it never was within the bound). */
        public double resumeToReadOnlySeconds() {
            return readOnlyAt < 0 ? Double.NaN : (readOnlyAt - continuedAt) / 1e9;
        }

        /** Writes the old primary acknowledged after the new leader key was seen. */
        public List<LsnWriter.Ack> acksAfterNewLeader() {
            return acks.stream().filter(a -> a.atNanos() > newLeaderSeenAt).toList();
        }

        /** The old primary's writes whose commit ends at or before the fork: the new timeline has them. */
        public List<LsnWriter.Ack> beforeFork() {
            return acks.stream().filter(a -> a.before(forkLsn)).toList();
        }

        /** The old primary's writes committed past the fork: acknowledged, and not on the new timeline. */
        public List<LsnWriter.Ack> pastFork() {
            return acks.stream().filter(a -> a.after(forkLsn)).toList();
        }

        /** The last acknowledged write, or null. */
        public LsnWriter.Ack lastAck() {
            return acks.isEmpty() ? null : acks.get(acks.size() - 1);
        }
    }

    /** The table the old primary's writer inserts into. */
    public static final String OLD_TABLE = "frozen_old";
    /** The table the new primary's writer inserts into. */
    public static final String NEW_TABLE = "frozen_new";

    private FrozenLeader() {}

    /**
     * Runs the scenario on a healthy cluster; {@code readOnlyWithin} bounds the probing after SIGCONT. The daemon is
     * always continued, whatever fails.
     */
    public static Result run(LocalCluster c, int ttl, Duration readOnlyWithin) throws Exception {
        ClusterView before = c.awaitHealthy(Duration.ofSeconds(180));
        String oldLeader = before.leader().name();
        int oi = c.index(oldLeader);
        String oldUrl = c.jdbcUrl(oi);
        RegentNode node = c.node(oi);
        int oldTimeline = timeline(oldUrl);
        try (LsnWriter w = new LsnWriter(oldUrl, OLD_TABLE, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD, 50)
                .start()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (w.acks().isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
            if (w.acks().isEmpty()) throw new IllegalStateException("no write acknowledged by " + oldLeader);
            long stoppedAt = System.nanoTime();
            node.signal("STOP");
            long newLeaderSeenAt;
            long newPrimaryAt;
            long continuedAt;
            long readOnlyAt = -1;
            String newLeader;
            long logFrom;
            long fork;
            LsnWriter nw = null;
            try {
                newLeader = c.await("a new leader while " + oldLeader + "'s daemon is frozen",
                        Duration.ofSeconds(3L * ttl + 60),
                        v -> v.leader() != null && !v.leader().name().equals(oldLeader)).leader().name();
                newLeaderSeenAt = System.nanoTime();
                String newUrl = c.jdbcUrl(c.index(newLeader));
                long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (!writable(newUrl)) {
                    if (System.nanoTime() > until) {
                        throw new IllegalStateException(newLeader + " holds the lock but never accepted a write");
                    }
                    Thread.sleep(20);
                }
                newPrimaryAt = System.nanoTime();
                nw = new LsnWriter(newUrl, NEW_TABLE, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD, 50)
                        .start();
                fork = LsnWriter.forkLsn(newUrl, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD, oldTimeline);
                if (fork < 0) {
                    throw new IllegalStateException(newLeader + "'s timeline history does not leave timeline "
                            + oldTimeline + " of " + oldLeader);
                }
                Thread.sleep(2000);  // two primaries side by side: the frozen one keeps acknowledging (async)
                try (Probe probe = new Probe(oldUrl)) {
                    if (!probe.primary()) throw new IllegalStateException(oldLeader + " is no primary before SIGCONT");
                    logFrom = Files.size(node.log());
                    continuedAt = System.nanoTime();
                    node.signal("CONT");
                    long bound = continuedAt + readOnlyWithin.toNanos();
                    while (System.nanoTime() < bound) {
                        if (!probe.primary()) {
                            readOnlyAt = System.nanoTime();
                            break;
                        }
                        Thread.sleep(2);
                    }
                }
            } finally {
                if (nw != null) nw.close();
                if (node.isAlive()) {
                    try {
                        node.signal("CONT");  // a second SIGCONT is harmless
                    } catch (IOException e) {
                        // reported by the caller's checks
                    }
                }
            }
            w.close();
            return new Result(oldLeader, newLeader, stoppedAt, newLeaderSeenAt, newPrimaryAt, continuedAt,
                    readOnlyAt, w.acks(), nw.acks(), oldTimeline, fork, logFrom);
        }
    }

    /** The timeline the primary at {@code url} writes on (its current WAL file's first 8 hex digits). */
    static int timeline(String url) throws SQLException {
        try (Connection conn = DriverManager.getConnection(url + TIMEOUTS, LocalCluster.SUPERUSER,
                LocalCluster.SUPERUSER_PASSWORD); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()),"
                     + " 1, 8)")) {
            rs.next();
            return Integer.parseInt(rs.getString(1), 16);
        }
    }

    private static final String TIMEOUTS = "?connectTimeout=1&socketTimeout=2&loginTimeout=2";

    /** An insert commits on the server at {@code url} now (a fresh connection). */
    static boolean writable(String url) {
        try (Connection conn = DriverManager.getConnection(url + TIMEOUTS, LocalCluster.SUPERUSER,
                LocalCluster.SUPERUSER_PASSWORD); Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS frozen_probe (v int); INSERT INTO frozen_probe VALUES (1)");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * Asks one server whether it runs as a primary (pg_is_in_recovery() false) over a connection kept open, so that a
     * probe costs one round trip; when the connection breaks (an immediate stop ends every backend) a fresh one is
     * tried once, and a refused connection means "no primary"; a timeout is no answer and counts as "still primary".
     */
    private static final class Probe implements AutoCloseable {
        private final String url;
        private Connection conn;

        Probe(String url) {
            this.url = url;
        }

        boolean primary() {
            for (int attempt = 0; attempt < 2; attempt++) {
                try {
                    if (conn == null) {
                        conn = DriverManager.getConnection(url + TIMEOUTS, LocalCluster.SUPERUSER,
                                LocalCluster.SUPERUSER_PASSWORD);
                    }
                    try (Statement st = conn.createStatement();
                         ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_is_in_recovery()")) {
                        return rs.next() && !rs.getBoolean(1);
                    }
                } catch (SQLException e) {
                    close();
                    // a timeout is no answer (a loaded machine), not a refusal: probe again rather than call the
                    // server read-only too early (writes it acknowledges afterwards would look like a late demotion)
                    if (timedOut(e)) return true;
                }
            }
            return false;
        }

        private static boolean timedOut(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof java.net.SocketTimeoutException) return true;
            }
            return false;
        }

        @Override
        public void close() {
            try {
                if (conn != null) conn.close();
            } catch (SQLException e) {
                // broken anyway
            }
            conn = null;
        }
    }

    /** What {@code log} holds from byte {@code offset} on (at most 4 MB). */
    public static String logSince(Path log, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long len = f.length() - offset;
            if (len <= 0) return "";
            byte[] b = new byte[(int) Math.min(len, 4_000_000)];
            f.seek(offset);
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        }
    }
}
