package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.regent.core.ha.LocalPostgres;

/**
 * Real PostgreSQL: a changed postmaster-context parameter shows up as pending_restart (with Patroni's
 * {@code {old_value, new_value}}) after a reload, and disappears after a restart; reloadable parameters never do.
 * Also the create-only slot sync used in maintenance mode.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PendingRestartComponentTest {
    private PgTestNodes nodes;
    private Postgresql pg;

    @BeforeAll
    void start() throws Exception {
        nodes = new PgTestNodes();
        pg = nodes.node("pending");
        pg.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
        pg.writeConfig(Role.PRIMARY, null, null);
        assertThat(pg.start(PgTestNodes.timeout())).isTrue();
        pg.createUsers();
    }

    @AfterAll
    void cleanUp() throws Exception {
        nodes.close();
    }

    @Test
    void postmasterParameterChangeIsPendingUntilRestart() throws Exception {
        assertThat(pg.status().pendingRestartReason()).isEmpty();
        assertThat(pg.observe().pendingRestart()).isFalse();

        // a reloadable change only: never pending
        pg.setDynamicParameters(Map.of("work_mem", "8MB"));
        pg.writeConfig(Role.PRIMARY, null, null);
        assertThat(pg.reload()).isTrue();
        waitFor("work_mem reloaded", () -> pg.connection().queryStrings("SHOW work_mem").equals(List.of("8MB")));
        assertThat(pg.status().pendingRestartReason()).isEmpty();

        pg.setDynamicParameters(Map.of("work_mem", "8MB", "max_connections", 123));
        pg.writeConfig(Role.PRIMARY, null, null);
        assertThat(pg.reload()).isTrue();
        waitFor("pending_restart reported", () -> !pg.status().pendingRestartReason().isEmpty());
        PgStatus s = pg.status();
        assertThat(s.pendingRestart()).containsExactly("max_connections");
        assertThat(s.pendingRestartReasonMap()).containsEntry("max_connections",
                Map.of("old_value", "100", "new_value", "123"));
        LocalPostgres observed = pg.observe();
        assertThat(observed.pendingRestart()).isTrue();
        assertThat(observed.pendingRestartReason().get("max_connections").get("new_value")).isEqualTo("123");
        assertThat(observed.serverVersion()).isEqualTo(pg.binaries().version());
        assertThat(observed.postmasterStartTime()).isEqualTo(s.postmasterStartTime().toInstant());

        assertThat(pg.restart(StopMode.FAST, PgTestNodes.timeout())).isTrue();
        LocalPostgres after = pg.observe();
        assertThat(after.pendingRestart()).isFalse();
        assertThat(after.postmasterStartTime()).isAfter(observed.postmasterStartTime());
        assertThat(pg.connection().queryStrings("SHOW max_connections")).containsExactly("123");
    }

    @Test
    void createOnlySlotSyncKeepsUnknownSlots() {
        pg.ensurePhysicalSlots(java.util.Set.of("operator_slot"));
        var changes = pg.ensurePhysicalSlots(java.util.Set.of("pg1"), false);
        assertThat(changes.created()).containsExactly("pg1");
        assertThat(changes.dropped()).isEmpty();
        assertThat(slots()).containsExactlyInAnyOrder("operator_slot", "pg1");
        assertThat(pg.ensurePhysicalSlots(java.util.Set.of("pg1")).dropped()).containsExactly("operator_slot");
        assertThat(slots()).containsExactly("pg1");
    }

    private List<String> slots() {
        return pg.connection().queryStrings("SELECT slot_name FROM pg_catalog.pg_replication_slots ORDER BY 1");
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
