package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * Real PostgreSQL 15: the stop a demoting primary makes under {@code primary_stop_timeout} ({@link
 * Postgresql#stopOrAbort}) is cut short, as Patroni's {@code stop(stop_timeout=...)}: an immediate shutdown after the
 * timeout, SIGKILL to the postmaster and its children after the timeout again.
 */
class StopOrAbortComponentTest {

    /**
     * A replication client that receives WAL but never confirms it holds a fast shutdown: the walsender waits for the
     * shutdown checkpoint to be confirmed (forever with {@code wal_sender_timeout = 0}). A plain stop times out; the
     * bounded one aborts with an immediate shutdown right after its timeout.
     */
    @Test
    void aFastStopHeldByAStuckWalReceiverIsAbortedAfterTheTimeout() throws Exception {
        try (PgTestNodes nodes = new PgTestNodes()) {
            Postgresql pg = startPrimary(nodes, "node-held");
            String lsn = query(pg, "SELECT pg_current_wal_lsn()");
            Connection repl = silentReplicationClient(pg);
            try {
                startStream(repl, lsn);
                for (int i = 0; i < 100 && !"1".equals(query(pg, "SELECT count(*) FROM pg_stat_replication")); i++) {
                    Thread.sleep(50);
                }
                assertThat(query(pg, "SELECT count(*) FROM pg_stat_replication")).as("the silent client streams")
                        .isEqualTo("1");
                assertThat(pg.stop(StopMode.FAST, Duration.ofSeconds(4))).as("a fast stop is held").isFalse();
                assertThat(pg.isRunning()).isTrue();

                long start = System.nanoTime();
                assertThat(pg.stopOrAbort(StopMode.FAST, Duration.ofSeconds(2))).isTrue();
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(took).as("cut short after the 2 s timeout").isBetween(Duration.ofSeconds(2),
                        Duration.ofSeconds(4));
                assertThat(pg.isRunning()).isFalse();
                assertThat(java.nio.file.Files.readString(pg.postmasterLog()))
                        .as("aborted by an immediate shutdown").contains("received immediate shutdown request");
            } finally {
                repl.close();  // the server is gone: closing only frees the socket
            }
            assertThat(pg.start(PgTestNodes.timeout())).as("starts again (crash recovery)").isTrue();
        }
    }

    /**
     * A postmaster that handles no signal (SIGSTOPped) ignores both the fast and the immediate shutdown: after twice the
     * timeout it and every child are killed, and postgres starts again on the same data directory.
     */
    @Test
    void aPostmasterThatIgnoresShutdownIsKilledWithItsChildren() throws Exception {
        try (PgTestNodes nodes = new PgTestNodes()) {
            Postgresql pg = startPrimary(nodes, "node-frozen");
            long pid = pg.postmasterPid().orElseThrow();
            List<ProcessHandle> children = ProcessHandle.of(pid).orElseThrow().descendants().toList();
            assertThat(children).as("checkpointer, walwriter, ...").isNotEmpty();
            assertThat(new ProcessBuilder("kill", "-s", "STOP", Long.toString(pid)).start().waitFor()).isZero();

            long start = System.nanoTime();
            assertThat(pg.stopOrAbort(StopMode.FAST, Duration.ofSeconds(1))).isTrue();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).as("fast, then immediate, each given 1 s, then SIGKILL").isBetween(Duration.ofSeconds(2),
                    Duration.ofSeconds(8));
            // killed: gone, or a zombie until this JVM's process reaper collects it (the JVM started it)
            assertThat(Postmaster.isLive(pid))
                    .as("postmaster %d killed", pid).isFalse();
            for (ProcessHandle child : children) {
                assertThat(Postmaster.isLive(child.pid()))
                        .as("child %d %s killed", child.pid(), child.info().commandLine().orElse("")).isFalse();
            }
            assertThat(pg.start(PgTestNodes.timeout())).as("starts again after the kill").isTrue();
        }
    }

    @Test
    void aStopWithinTheTimeoutIsAnOrdinaryCleanStop() throws Exception {
        try (PgTestNodes nodes = new PgTestNodes()) {
            Postgresql pg = startPrimary(nodes, "node-quick");
            assertThat(pg.stopOrAbort(StopMode.FAST, Duration.ofSeconds(30))).isTrue();
            assertThat(pg.controlData().cleanlyShutDown()).isTrue();
        }
    }

    private static Postgresql startPrimary(PgTestNodes nodes, String name) throws Exception {
        Postgresql pg = nodes.node(name, Map.of("wal_sender_timeout", 0), Map.of());
        pg.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
        pg.writeConfig(Role.PRIMARY, null, null);
        assertThat(pg.start(PgTestNodes.timeout())).isTrue();
        pg.createUsers();
        return pg;
    }

    private static String jdbcUrl(Postgresql pg) {
        return "jdbc:" + pg.connUrl().replaceFirst("^postgres(ql)?://", "postgresql://");
    }

    private static Connection silentReplicationClient(Postgresql pg) throws Exception {
        Properties p = new Properties();
        PGProperty.USER.set(p, PgTestNodes.REPLICATION.username());
        PGProperty.PASSWORD.set(p, PgTestNodes.REPLICATION.password());
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "15");
        PGProperty.REPLICATION.set(p, "true");
        PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        return DriverManager.getConnection(jdbcUrl(pg), p);
    }

    /** Starts physical streaming; the test never reads, so no feedback ever reaches the walsender. */
    private static PGReplicationStream startStream(Connection repl, String lsn) throws Exception {
        return repl.unwrap(PGConnection.class).getReplicationAPI().replicationStream().physical()
                .withStartPosition(LogSequenceNumber.valueOf(lsn)).withStatusInterval(1, TimeUnit.HOURS).start();
    }

    private static String query(Postgresql pg, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl(pg), PgTestNodes.SUPERUSER.username(),
                PgTestNodes.SUPERUSER.password()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
