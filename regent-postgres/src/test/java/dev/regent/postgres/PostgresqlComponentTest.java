package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import dev.regent.core.ha.LocalPostgres.ProcessState;

/**
 * Real PostgreSQL: one primary (node-a) shared by all steps; node-b is cloned from it, promoted, and node-a is then
 * rewound to follow node-b. Steps run in order and build on each other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class PostgresqlComponentTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private PgTestNodes nodes;
    private Postgresql a;
    private Postgresql b;

    @BeforeAll
    void bootstrapPrimary() throws Exception {
        nodes = new PgTestNodes();
        a = nodes.node("node-a");
        b = nodes.node("node-b");
        assertThat(a.dataDirectoryEmpty()).isTrue();
        assertThatThrownBy(() -> a.initdb(List.of("--nosync"), "x")).hasMessageContaining("not allowed");
        a.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
        a.writeConfig(Role.PRIMARY, null, null);
        assertThat(a.start(PgTestNodes.timeout())).isTrue();
        a.createUsers();
        a.connection().execute("CREATE TABLE t (v text)");
    }

    @AfterAll
    void cleanUp() throws Exception {
        nodes.close();
    }

    @Test
    @Order(1)
    void primaryStatusAndFiles() throws Exception {
        assertThat(a.dataDirectoryEmpty()).isFalse();
        assertThat(a.processState()).isEqualTo(ProcessState.RUNNING);
        PgStatus s = a.status();
        assertThat(s.inRecovery()).isFalse();
        assertThat(s.timeline()).isEqualTo(1);
        assertThat(s.walPosition()).isPositive();
        assertThat(s.replicationState()).isNull();
        assertThat(s.serverVersion()).isEqualTo(a.binaries().version());
        assertThat(s.systemIdentifier()).isEqualTo(a.controlData().systemIdentifier());
        assertThat(s.postmasterStartTime()).isNotNull();
        String conf = Files.readString(a.configDir().resolve("postgresql.conf"));
        assertThat(conf).contains("include 'postgresql.base.conf'").contains("cluster_name = 'regent-test'")
                .doesNotContain("primary_conninfo");
        assertThat(a.configDir().resolve("postgresql.base.conf")).exists();
        assertThat(a.dataDir().resolve("standby.signal")).doesNotExist();
        assertThat(Files.readString(a.configDir().resolve("pg_hba.conf"))).contains("scram-sha-256");
        // the rewind role got its grants
        assertThat(a.connection().queryStrings("SELECT has_function_privilege('rewinder', "
                + "'pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)', 'EXECUTE')::text"))
                .containsExactly("true");
        // started in its own session, so it does not die with the JVM's process group
        long pid = a.postmasterPid().orElseThrow();
        String sid = new CommandRunner().runAsSelf(List.of("ps", "-o", "sid=", "-p", Long.toString(pid)), Map.of(),
                null, Duration.ofSeconds(5)).output().strip();
        assertThat(Long.parseLong(sid)).isEqualTo(pid);
        // no PATRONI_* variable (passwords among them) reaches postgres; the test JVM has one (regent-postgres pom)
        assertThat(System.getenv(ChildEnvironmentTest.SECRET_VAR)).isNotNull();
        String environ = Files.readString(Path.of("/proc/" + pid + "/environ")).replace('\0', '\n');
        assertThat(environ).contains("LANG=C").doesNotContain("PATRONI_");
    }

    @Test
    @Order(2)
    void stopInAllModes() {
        assertThat(a.stop(StopMode.SMART, PgTestNodes.timeout())).isTrue();
        assertThat(a.isRunning()).isFalse();
        assertThat(a.controlData().clusterState()).isEqualTo("shut down");
        assertThat(a.start(PgTestNodes.timeout())).isTrue();

        assertThat(a.stop(StopMode.FAST, PgTestNodes.timeout())).isTrue();
        assertThat(a.controlData().clusterState()).isEqualTo("shut down");
        assertThat(a.processState()).isEqualTo(ProcessState.STOPPED);
        assertThat(a.start(PgTestNodes.timeout())).isTrue();
        assertThatThrownBy(() -> a.start(PgTestNodes.timeout())).hasMessageContaining("already running");

        assertThat(a.stop(StopMode.IMMEDIATE, PgTestNodes.timeout())).isTrue();
        assertThat(a.controlData().clusterState()).isEqualTo("in production");
        assertThat(a.controlData().cleanlyShutDown()).isFalse();
        assertThat(a.start(PgTestNodes.timeout())).isTrue();
        assertThat(a.status().inRecovery()).isFalse();
        assertThat(a.reload()).isTrue();
        var observed = a.observe();
        assertThat(observed.isPrimary()).isTrue();
        assertThat(observed.systemId()).isEqualTo(a.controlData().systemIdentifier());
        assertThat(observed.timeline()).isEqualTo(1);

        // a postmaster killed behind our back and started again (a restart in place): the kept connection is broken,
        // yet the first status query on the new server answers (one reconnect) instead of reporting it as starting
        assertThat(a.status().inRecovery()).isFalse();
        long pid = a.postmasterPid().orElseThrow();
        new CommandRunner().runAsSelf(List.of("kill", "-9", Long.toString(pid)), Map.of(), null,
                Duration.ofSeconds(5));
        Await.until("the killed postmaster to be gone", WAIT, () -> a.processState() == ProcessState.STOPPED);
        assertThat(a.start(PgTestNodes.timeout())).isTrue();
        assertThat(a.status().inRecovery()).isFalse();
        assertThat(a.observe().isPrimary()).isTrue();
    }

    @Test
    @Order(3)
    void slotsOnPrimary() {
        var changes = a.ensurePhysicalSlots(Set.of("node_b", "stale_slot"));
        assertThat(changes.created()).containsExactlyInAnyOrder("node_b", "stale_slot");
        assertThat(slots(a)).containsExactly("node_b", "stale_slot");
        changes = a.ensurePhysicalSlots(Set.of("node_b"));
        assertThat(changes.dropped()).containsExactly("stale_slot");
        assertThat(changes.created()).isEmpty();
        assertThat(slots(a)).containsExactly("node_b");
        // immediately_reserve: WAL is reserved at once
        assertThat(a.connection().queryStrings("SELECT (restart_lsn IS NOT NULL)::text FROM pg_replication_slots"))
                .containsExactly("true");
    }

    @Test
    @Order(4)
    void basebackupReplicaStreams() throws Exception {
        a.connection().execute("INSERT INTO t VALUES ('before clone')");
        b.basebackup(a.connUrl(), PgTestNodes.timeout());
        b.writeConfig(Role.REPLICA, a.connUrl(), ConfigRenderer.slotName("node-b"));
        assertThat(b.dataDir().resolve("standby.signal")).exists();
        assertThat(Files.readString(b.configDir().resolve("postgresql.conf")))
                .contains("primary_slot_name = 'node_b'").contains("application_name=node-b")
                .contains("recovery_target_timeline = 'latest'");
        assertThat(b.start(PgTestNodes.timeout())).isTrue();
        Await.until("node-b streaming", WAIT, () -> "streaming".equals(b.status().replicationState()));
        PgStatus sb = b.status();
        assertThat(sb.inRecovery()).isTrue();
        assertThat(sb.primarySlotName()).isEqualTo("node_b");
        assertThat(sb.systemIdentifier()).isEqualTo(a.status().systemIdentifier());
        Await.until("pg_stat_replication shows node-b", WAIT, () -> a.status().replication().stream()
                .anyMatch(r -> "node-b".equals(r.applicationName()) && "streaming".equals(r.state())));
        PgStatus.Replication row = a.status().replication().get(0);
        assertThat(row.usename()).isEqualTo("replicator");
        assertThat(row.syncState()).isEqualTo("async");
        a.connection().execute("INSERT INTO t VALUES ('after clone')");
        Await.until("row replicated", WAIT,
                () -> b.connection().queryStrings("SELECT v FROM t").contains("after clone"));
        assertThat(b.status().receiveLsn()).isPositive();
        // a standby about to be promoted prepares its members' slots (WAL reserved at once, in recovery too), and
        // drops those nobody uses when the promotion does not happen
        assertThat(b.ensurePhysicalSlots(Set.of("node_a", "node_c"), false).created())
                .containsExactlyInAnyOrder("node_a", "node_c");
        assertThat(b.connection().queryStrings("SELECT (restart_lsn IS NOT NULL)::text FROM pg_replication_slots"))
                .containsOnly("true");
        assertThat(b.dropInactivePhysicalSlots(Set.of("node_c", "absent"))).containsExactly("node_c");
        assertThat(slots(b)).containsExactly("node_a");
    }

    @Test
    @Order(5)
    void promoteReplica() {
        PgStatus promoted = b.promote(PgTestNodes.timeout());
        assertThat(promoted.inRecovery()).isFalse();
        assertThat(promoted.timeline()).as("the timeline the promotion created, before any checkpoint").isEqualTo(2);
        PgStatus s = b.status();
        assertThat(s.inRecovery()).isFalse();
        assertThat(s.timeline()).isEqualTo(2);
        b.writeConfig(Role.PRIMARY, null, null);
        assertThat(b.dataDir().resolve("standby.signal")).doesNotExist();
        assertThat(b.reload()).isTrue();
    }

    @Test
    @Order(6)
    void rewindDivergedOldPrimary() {
        a.connection().execute("INSERT INTO t VALUES ('only on a')");
        b.connection().execute("INSERT INTO t VALUES ('only on b')");
        b.checkpoint();
        b.ensurePhysicalSlots(Set.of("node_a"));
        // crash the old primary: rewind must run single-user crash recovery first
        assertThat(a.stop(StopMode.IMMEDIATE, PgTestNodes.timeout())).isTrue();
        assertThat(a.canRewind()).isTrue();
        a.rewind(b.connUrl(), PgTestNodes.timeout());
        a.writeConfig(Role.REPLICA, b.connUrl(), ConfigRenderer.slotName("node-a"));
        assertThat(a.start(PgTestNodes.timeout())).isTrue();
        Await.until("node-a streaming from node-b", WAIT, () -> "streaming".equals(a.status().replicationState()));
        assertThat(a.status().timeline()).isEqualTo(2);
        Await.until("node-b's row on node-a", WAIT,
                () -> a.connection().queryStrings("SELECT v FROM t").contains("only on b"));
        assertThat(a.connection().queryStrings("SELECT v FROM t")).doesNotContain("only on a");
        assertThat(b.status().replication()).extracting(PgStatus.Replication::applicationName).contains("node-a");
    }

    @Test
    @Order(7)
    void moveAsideAndRemove() throws Exception {
        assertThat(b.stop(StopMode.FAST, PgTestNodes.timeout())).isTrue();
        var stopped = b.observe();
        assertThat(stopped.process()).isEqualTo(ProcessState.STOPPED);
        assertThat(stopped.controlState()).isEqualTo("shut down");
        assertThat(stopped.wasPrimaryWhenStopped()).isTrue();
        assertThat(stopped.timeline()).isEqualTo(2);
        assertThatThrownBy(a::removeDataDirectory).hasMessageContaining("needs postgres stopped");
        var moved = b.moveDataDirAside();
        assertThat(moved.getFileName().toString()).isEqualTo("node-b.failed");
        assertThat(b.dataDirectoryEmpty()).isTrue();
        assertThat(b.observe().dataDirEmpty()).isTrue();
        assertThat(moved.resolve("PG_VERSION")).exists();
    }

    private static List<String> slots(Postgresql pg) {
        return pg.connection().queryStrings("SELECT slot_name FROM pg_replication_slots ORDER BY 1");
    }
}
