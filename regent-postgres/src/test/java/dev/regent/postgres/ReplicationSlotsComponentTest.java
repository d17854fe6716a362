package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.core.slots.ExistingSlot;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Real PostgreSQL 15 (wal_level logical): the slot primitives the daemon applies — listing with positions and
 * wal_status, physical and logical creation (a logical slot in another database), advancing, dropping only inactive
 * slots, reading a logical slot's state file for a copy, and installing such a file into pg_replslot.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicationSlotsComponentTest {
    private PgTestNodes nodes;
    private Postgresql pg;

    @BeforeAll
    void start() throws Exception {
        nodes = new PgTestNodes();
        pg = nodes.node("slots");
        pg.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
        pg.setDynamicParameters(Map.of("wal_level", "logical"));
        pg.writeConfig(Role.PRIMARY, null, null);
        assertThat(pg.start(PgTestNodes.timeout())).isTrue();
        pg.createUsers();
        pg.connection().execute("CREATE DATABASE app");
    }

    @AfterAll
    void cleanUp() throws Exception {
        nodes.close();
    }

    private ExistingSlot slot(String name) {
        return pg.connection().replicationSlots().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElse(null);
    }

    @Test
    void physicalSlotIsCreatedReservedAdvancedAndDropped() {
        PgConnection c = pg.connection();
        c.createPhysicalSlot("keep");
        c.createPhysicalSlot("keep");  // idempotent
        ExistingSlot s = slot("keep");
        assertThat(s.type()).isEqualTo("physical");
        assertThat(s.restartLsn()).as("WAL reserved at once").isNotNull().isPositive();
        assertThat(s.active()).isFalse();
        assertThat(s.walStatus()).isEqualTo("reserved");
        c.execute("CREATE TABLE t(v int); INSERT INTO t SELECT generate_series(1, 10000)");
        long now = Long.parseLong(c.queryStrings("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")
                .get(0));
        c.advanceSlot("keep", now);
        assertThat(slot("keep").restartLsn()).isEqualTo(now);
        assertThat(c.dropSlotIfInactive("keep")).isTrue();
        assertThat(slot("keep")).isNull();
        assertThat(c.dropSlotIfInactive("keep")).as("absent").isFalse();
    }

    @Test
    void logicalSlotInAnotherDatabaseIsCreatedAdvancedAndItsStateReadable() throws Exception {
        try (PgConnection app = pg.connection().forDatabase("app")) {
            app.createLogicalSlot("cdc", "test_decoding");
            app.execute("CREATE TABLE x(v int); INSERT INTO x VALUES (1)");
            long now = Long.parseLong(app.queryStrings(
                    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint").get(0));
            app.advanceSlot("cdc", now);
            assertThat(slot("cdc").confirmedFlushLsn()).isEqualTo(now);
        }
        ExistingSlot s = slot("cdc");
        assertThat(s.type()).isEqualTo("logical");
        assertThat(s.plugin()).isEqualTo("test_decoding");
        assertThat(s.database()).isEqualTo("app");
        assertThatThrownBy(() -> pg.connection().advanceSlot("cdc", 1)).as("a logical slot in another database")
                .isInstanceOf(PostgresException.class);

        // an advance reaches the state file at the next checkpoint (a copy taken before may be older: never later)
        pg.connection().checkpoint();
        Map<String, byte[]> states = pg.connection().logicalSlotStates(List.of("cdc", "nope"));
        assertThat(states).containsOnlyKeys("cdc");
        byte[] state = states.get("cdc");
        assertThat(state).isEqualTo(Files.readAllBytes(pg.dataDir().resolve("pg_replslot/cdc/state")));

        // installing the state file while postgres is stopped (the slot dropped meanwhile): postgres loads it
        assertThat(pg.connection().dropSlotIfInactive("cdc")).isTrue();
        assertThat(pg.stop(StopMode.FAST, PgTestNodes.timeout())).isTrue();
        LogicalSlotCopier.install(pg.dataDir(), Map.of("cdc", state), new CommandRunner());
        assertThat(pg.start(PgTestNodes.timeout())).isTrue();
        assertThat(slot("cdc").confirmedFlushLsn()).isEqualTo(s.confirmedFlushLsn());
        assertThat(Files.exists(pg.dataDir().resolve("pg_replslot/cdc.tmp"))).isFalse();
        assertThat(pg.connection().dropSlotIfInactive("cdc")).isTrue();
    }

    @Test
    void catalogXminOfSlotsForTheLogicalSlotReadinessCheck() {
        PgConnection c = pg.connection();
        c.createPhysicalSlot("phys_x");
        c.createLogicalSlot("logical_x", "test_decoding");
        try {
            Map<String, Long> x = c.slotCatalogXmins(List.of("phys_x", "logical_x", "absent"), true);
            assertThat(x).as("a primary answers; an absent slot is left out").containsOnlyKeys("phys_x", "logical_x");
            assertThat(x.get("phys_x")).as("no feedback: unset").isNull();
            assertThat(x.get("logical_x")).isNotNull().isPositive();
            assertThat(c.slotCatalogXmins(List.of("logical_x"), false)).isEqualTo(Map.of("logical_x",
                    x.get("logical_x")));
        } finally {
            c.dropSlotIfInactive("phys_x");
            c.dropSlotIfInactive("logical_x");
        }
    }
}

