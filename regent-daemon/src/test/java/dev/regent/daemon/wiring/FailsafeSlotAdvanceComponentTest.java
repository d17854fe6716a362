package dev.regent.daemon.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.config.NodeConfig;
import dev.regent.core.ha.FailsafeAnswer;
import dev.regent.core.ha.HaDecider;
import dev.regent.core.model.MemberData;
import dev.regent.core.slots.ExistingSlot;
import dev.regent.daemon.config.ConfigLoader;
import dev.regent.daemon.loop.HaLoop;
import dev.regent.daemon.loop.MemberDataBuilder;
import dev.regent.daemon.loop.PeerProber;
import dev.regent.daemon.rest.NodeControl;
import dev.regent.dcs.PatroniDcs;
import dev.regent.dcs.memory.InMemoryKvServer;
import dev.regent.postgres.CommandRunner;
import dev.regent.postgres.Postgresql;
import dev.regent.postgres.Role;
import dev.regent.postgres.StopMode;
import dev.regent.testkit.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real PostgreSQL 15, a primary and a streaming replica, the replica driven by its real HA loop over an in-memory DCS:
 * with the DCS down, the leader's {@code POST /failsafe} (accepted through the REST API's control) carries the
 * position of the permanent physical slot, and the replica's next cycle advances its copy of that slot there (Patroni
 * 3+: the replica syncs its slots against the failsafe body in place of {@code /status}); and the primary's loop,
 * kept running by failsafe mode, advances its slot of a cascading member to the lsn that member answered (Patroni 4).
 */
class FailsafeSlotAdvanceComponentTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final InMemoryKvServer server = new InMemoryKvServer();
    private final List<Postgresql> started = new ArrayList<>();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private Path base;

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : closing) c.close();
        for (Postgresql pg : started) {
            if (!pg.stop(StopMode.IMMEDIATE, Duration.ofSeconds(10))) {
                pg.postmasterPid().flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        if (base != null) {
            try (Stream<Path> s = Files.walk(base)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** pg0's configuration, set by {@link #startPrimary}. */
    private NodeConfig c0;

    /** A fresh base directory and pg0 running as a primary with its users. */
    private Postgresql startPrimary() throws Exception {
        base = Files.createTempDirectory("regent-failsafe-slots");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));  // postgres user when root
        new CommandRunner().ensureOwnedDirectory(base.resolve("sockets"));
        c0 = config("pg0");
        Postgresql primary = new Postgresql(c0.postgresql(), "batman", "pg0");
        started.add(primary);
        primary.initdb(List.of("--encoding=UTF8", "--locale=C"), "su-secret");
        primary.writeConfig(Role.PRIMARY, null, null);
        assertThat(primary.start(TIMEOUT)).isTrue();
        primary.createUsers();
        return primary;
    }

    @Test
    void withTheDcsDownAReplicaAdvancesItsPermanentSlotToThePositionInTheLeadersFailsafePost() throws Exception {
        Postgresql primary = startPrimary();
        NodeConfig c1 = config("pg1");
        primary.connection().createPhysicalSlot("pg1");  // the replica's own slot, which the leader's loop would make
        Postgresql replica = new Postgresql(c1.postgresql(), "batman", "pg1");
        started.add(replica);
        replica.basebackup(primary.connUrl(), TIMEOUT);
        replica.writeConfig(Role.REPLICA, primary.connUrl(), "pg1");
        assertThat(replica.start(TIMEOUT)).isTrue();
        waitFor("pg1 streams", () -> "streaming".equals(replica.status().replicationState()));

        // the DCS as the leader pg0 left it: failsafe mode on, one permanent physical slot
        PatroniDcs leaderDcs = new PatroniDcs(server.newStore("pg0", Duration.ofSeconds(30)), "/service", "batman",
                "pg0");
        closing.add(leaderDcs::close);
        assertThat(leaderDcs.setConfigValue("{\"ttl\":30,\"loop_wait\":10,\"failsafe_mode\":true,"
                + "\"slots\":{\"perm_phys\":{\"type\":\"physical\"}}}", null)).isTrue();
        assertThat(leaderDcs.initialize(true, primary.status().systemIdentifier())).isTrue();
        PostgresAdapter leaderPg = new PostgresAdapter(primary, c0);
        MemberDataBuilder leaderMember = new MemberDataBuilder(primary.connUrl(), "http://127.0.0.1:1/patroni",
                "4.1.4");
        leaderDcs.touchMember(leaderMember.build(leaderPg.observe(), null, Map.of(), false));
        assertThat(leaderDcs.attemptToAcquireLeader()).isTrue();

        PatroniDcs dcs = new PatroniDcs(server.newStore("pg1", Duration.ofSeconds(30)), "/service", "batman", "pg1");
        closing.add(dcs::close);
        PostgresAdapter pg = new PostgresAdapter(replica, c1);
        pg.setUseSlots(true);
        StatusPublisher status = new StatusPublisher("batman", "pg1", pg::lastStatus);
        HaLoop loop = new HaLoop("pg1", dcs, pg, HaDecider::decide, new EffectiveSettings(c1), new PeerProber(),
                new MemberDataBuilder(replica.connUrl(), "http://127.0.0.1:2/patroni", "4.1.4"), status,
                Clock.systemUTC());
        closing.add(loop);
        loop.cycle();
        assertThat(replica.status().inRecovery()).as("pg1 stays a replica of pg0").isTrue();

        // WAL the replica replays while the DCS is up, then the DCS goes away for pg1
        primary.connection().execute("CREATE TABLE t AS SELECT generate_series(1, 20000) AS v");
        long position = primary.status().walPosition();
        waitFor("pg1 replayed the new WAL", () -> {
            Long replay = replica.status().replayLsn();
            return replay != null && replay >= position;
        });
        ExistingSlot before = slot(replica, "perm_phys");
        assertThat(before == null || before.restartLsn() == null || before.restartLsn() < position)
                .as("the copy is behind the position the leader will send: %s", before).isTrue();
        server.partition("pg1");

        DaemonControl control = new DaemonControl("pg1", dcs, loop, new PeerProber(), status, () -> { });
        NodeControl.FailsafeReply reply = control.acceptFailsafe("pg0", primary.connUrl(),
                "http://127.0.0.1:1/patroni", Map.of("perm_phys", position, "pg0", position));
        assertThat(reply.code()).as(reply.message()).isEqualTo(200);
        loop.cycle();

        ExistingSlot after = slot(replica, "perm_phys");
        assertThat(after).as("pg1's copy of the permanent slot").isNotNull();
        assertThat(after.type()).isEqualTo("physical");
        assertThat(after.restartLsn()).as("advanced to the position in POST /failsafe").isEqualTo(position);
        assertThat(replica.status().inRecovery()).as("still a replica").isTrue();
    }

    @Test
    void withTheDcsDownThePrimaryAdvancesItsSlotOfACascadingMemberToTheLsnItAnswered() throws Exception {
        Postgresql primary = startPrimary();

        // pg1 (streams from pg0) and pg2 (cascades from pg1) are member keys only: pg0's slot of pg2 is inactive,
        // nobody but pg0 moves it
        PatroniDcs dcs = new PatroniDcs(server.newStore("pg0", Duration.ofSeconds(30)), "/service", "batman", "pg0");
        closing.add(dcs::close);
        assertThat(dcs.setConfigValue("{\"ttl\":30,\"loop_wait\":10,\"failsafe_mode\":true}", null)).isTrue();
        assertThat(dcs.initialize(true, primary.status().systemIdentifier())).isTrue();
        memberKey("pg1", Map.of());
        memberKey("pg2", Map.of("replicatefrom", "pg1"));
        PostgresAdapter pg = new PostgresAdapter(primary, c0);
        pg.setUseSlots(true);
        StatusPublisher status = new StatusPublisher("batman", "pg0", pg::lastStatus);
        HaLoop loop = new HaLoop("pg0", dcs, pg, HaDecider::decide, new EffectiveSettings(c0), new PeerProber(),
                new MemberDataBuilder(primary.connUrl(), "http://127.0.0.1:1/patroni", "4.1.4"), status,
                Clock.systemUTC());
        closing.add(loop);
        for (int i = 0; i < 5 && slot(primary, "pg2") == null; i++) loop.cycle();
        ExistingSlot made = slot(primary, "pg2");
        assertThat(made).as("pg0 keeps a slot of pg2").isNotNull();
        assertThat(dcs.load().isLeader("pg0")).isTrue();

        primary.connection().execute("CREATE TABLE t AS SELECT generate_series(1, 20000) AS v");
        long position = primary.status().walPosition();
        assertThat(made.restartLsn()).as("the slot reserved WAL before the new position").isLessThan(position);
        server.partition("pg0");
        loop.failsafe().setTopology(Map.of("pg0", "http://127.0.0.1:1/patroni", "pg1", "http://127.0.0.1:2/patroni",
                "pg2", "http://127.0.0.1:3/patroni"));
        loop.setFailsafeCaller((members, body) -> Map.of(
                "pg1", new FailsafeAnswer("pg1", true, position),
                "pg2", new FailsafeAnswer("pg2", true, position)));
        loop.cycle();

        assertThat(primary.status().inRecovery()).as("every member accepted: still the primary").isFalse();
        assertThat(slot(primary, "pg2").restartLsn()).as("advanced to the lsn pg2 answered").isEqualTo(position);
        assertThat(slot(primary, "pg1").restartLsn()).as("pg1 streams from pg0: its answer does not drive its slot")
                .isLessThan(position);
    }

    private void memberKey(String name, Map<String, Object> tags) throws Exception {
        PatroniDcs member = new PatroniDcs(server.newStore(name, Duration.ofSeconds(30)), "/service", "batman", name);
        closing.add(member::close);  // the key lives with its session
        member.touchMember(new MemberData("postgres://127.0.0.1:1/postgres", "http://127.0.0.1:2/patroni", null,
                "running", "replica", "4.1.4", 0L, null, null, null, 1, tags, null, null, null, null, false,
                Map.of()));
    }

    private static ExistingSlot slot(Postgresql pg, String name) {
        return pg.connection().replicationSlots().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElse(null);
    }

    private NodeConfig config(String name) throws Exception {
        int port = FreePorts.one();
        Path file = base.resolve(name + ".yml");
        Files.writeString(file, String.join("\n",
                "scope: batman",
                "name: " + name,
                "restapi:",
                "  listen: 127.0.0.1:" + FreePorts.one(),
                "  connect_address: 127.0.0.1:8008",
                "etcd3:",
                "  hosts: 127.0.0.1:2379",
                "postgresql:",
                "  listen: 127.0.0.1:" + port,
                "  connect_address: 127.0.0.1:" + port,
                "  data_dir: " + base.resolve(name),
                "  pgpass: " + base.resolve(name + ".pgpass"),
                "  authentication:",
                "    superuser: {username: postgres, password: su-secret}",
                "    replication: {username: replicator, password: rep-secret}",
                "  parameters:",
                "    unix_socket_directories: " + base.resolve("sockets"),
                "    fsync: 'off'",
                "    shared_buffers: 16MB",
                "    max_wal_size: 64MB",
                "  pg_hba:",
                "    - local all all trust",
                "    - host all all 127.0.0.1/32 scram-sha-256",
                "    - host replication all 127.0.0.1/32 scram-sha-256",
                ""));
        ConfigLoader.Loaded l = ConfigLoader.load(file, Map.of());
        assertThat(l.errors()).as("test configuration").isEmpty();
        return l.config();
    }

    private static void waitFor(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (cond.getAsBoolean()) return;
            } catch (RuntimeException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what, last);
    }
}
