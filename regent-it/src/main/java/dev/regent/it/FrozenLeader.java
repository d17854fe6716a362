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
 * until another node holds the lock and its postgres accepts writes, and a little longer; then SIGCONT, and the old
 * primary is probed every 2 ms (one query on a kept connection) until it no longer is a writable primary (connection
 * broken and refused, or in recovery). No waiting for the rejoin: the caller does that. Times are {@link System#nanoTime()}.
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
     * @param acks              the writes the old primary acknowledged
     * @param logOffset         the size of the frozen daemon's log when SIGCONT was sent ({@link #logSince})
     */
    public record Result(String oldLeader, String newLeader, long stoppedAt, long newLeaderSeenAt, long newPrimaryAt,
                         long continuedAt, long readOnlyAt, List<Writer.Ack> acks, long logOffset) {
        /** SIGCONT to the old primary found not writable, in seconds (NaN when it never was within the bound). */
        public double resumeToReadOnlySeconds() {
            return readOnlyAt < 0 ? Double.NaN : (readOnlyAt - continuedAt) / 1e9;
        }

        /** Writes the old primary acknowledged after the new leader key was seen. */
        public List<Writer.Ack> acksAfterNewLeader() {
            return acks.stream().filter(a -> a.atNanos() > newLeaderSeenAt).toList();
        }

        /** The last acknowledged write, or null. */
        public Writer.Ack lastAck() {
            return acks.isEmpty() ? null : acks.get(acks.size() - 1);
        }
    }

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
        try (Writer w = new Writer(() -> oldUrl, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD, 50)
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
                    readOnlyAt, w.acks(), logFrom);
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
     * tried once, and a refused connection means "no primary".
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
                }
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
