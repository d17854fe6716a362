package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Real PostgreSQL 15: a start right after the postmaster was killed on its own (kill -9, the OOM killer) while one of
 * its backends still runs. PostgreSQL refuses to start while that backend holds the old shared memory ("pre-existing
 * shared memory block ... is still in use"); the start waits for it to detach instead of failing, which would make the
 * HA loop give the leader lock up.
 */
class CrashedPostmasterStartComponentTest {

    @Test
    void aStartWaitsUntilTheKilledPostmastersBackendsHaveLeftItsSharedMemory() throws Exception {
        try (PgTestNodes nodes = new PgTestNodes()) {
            Postgresql pg = nodes.node("node-crashed", Map.of(), Map.of());
            pg.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
            pg.writeConfig(Role.PRIMARY, null, null);
            assertThat(pg.start(PgTestNodes.timeout())).isTrue();
            String url = "jdbc:" + pg.connUrl().replaceFirst("^postgres(ql)?://", "postgresql://");
            try (Connection c = DriverManager.getConnection(url, PgTestNodes.SUPERUSER.username(),
                    PgTestNodes.SUPERUSER.password()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                long backend = rs.getLong(1);
                long postmaster = pg.postmasterPid().orElseThrow();
                // the backend cannot notice its postmaster's death while stopped: it stays attached
                signal("STOP", backend);
                signal("KILL", postmaster);
                awaitGone(postmaster);
                CompletableFuture<Boolean> start = CompletableFuture.supplyAsync(() -> pg.start(PgTestNodes.timeout()));
                Thread.sleep(1500);
                assertThat(start).as("the start waits while the old backend holds the shared memory").isNotDone();
                signal("CONT", backend);  // it sees the postmaster gone and exits
                assertThat(start.get(60, TimeUnit.SECONDS)).as("started once the backend left").isTrue();
            }
            assertThat(java.nio.file.Files.readString(pg.postmasterLog()))
                    .doesNotContain("is still in use");
        }
    }

    private static void signal(String name, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-s", name, Long.toString(pid)).start().waitFor()).isZero();
    }

    private static void awaitGone(long pid) throws InterruptedException {
        for (int i = 0; i < 500 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(10);
        }
        Thread.sleep(100); // a zombie until this JVM's reaper collects it (it was started by this JVM's pg_ctl child)
    }
}
