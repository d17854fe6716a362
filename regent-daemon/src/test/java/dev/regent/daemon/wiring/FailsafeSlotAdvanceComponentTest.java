package dev.regent.daemon.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.config.NodeConfig;
import dev.regent.core.ha.FailsafeAnswer;
import dev.regent.core.ha.HaDecider;
import dev.regent.core.model.MemberData;
import dev.regent.core.slots.ExistingSlot;
import dev.regent.daemon.loop.HaLoop;
import dev.regent.daemon.loop.MemberDataBuilder;
import dev.regent.daemon.loop.PeerProber;
import dev.regent.daemon.rest.NodeControl;
import dev.regent.dcs.PatroniDcs;
import dev.regent.postgres.Postgresql;
import dev.regent.postgres.Role;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
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
    private ComponentPostgres env;
    /** pg0's configuration, set by {@link #startPrimary}. */
    private NodeConfig c0;

    @AfterEach
    void cleanUp() throws Exception {
        if (env != null) env.close();
    }

    /** pg0 running as a primary with its users. */
    private Postgresql startPrimary() throws Exception {
        env = new ComponentPostgres();
        c0 = env.config("pg0");
        return env.startPrimary(c0);
    }

    @Test
    void withTheDcsDownAReplicaAdvancesItsPermanentSlotToThePositionInTheLeadersFailsafePost() throws Exception {
        Postgresql primary = startPrimary();
        NodeConfig c1 = env.config("pg1");
        primary.connection().createPhysicalSlot("pg1");  // the replica's own slot, which the leader's loop would make
        Postgresql replica = env.cloneOf(primary, c1);
        replica.writeConfig(Role.REPLICA, primary.connUrl(), "pg1");
        assertThat(replica.start(ComponentPostgres.TIMEOUT)).isTrue();
        ComponentPostgres.waitFor("pg1 streams", () -> "streaming".equals(replica.status().replicationState()));

        // the DCS as the leader pg0 left it: failsafe mode on, one permanent physical slot
        PatroniDcs leaderDcs = new PatroniDcs(env.server.newStore("pg0", Duration.ofSeconds(30)), "/service",
                "batman", "pg0");
        env.closing(leaderDcs::close);
        assertThat(leaderDcs.setConfigValue("{\"ttl\":30,\"loop_wait\":10,\"failsafe_mode\":true,"
                + "\"slots\":{\"perm_phys\":{\"type\":\"physical\"}}}", null)).isTrue();
        assertThat(leaderDcs.initialize(true, primary.status().systemIdentifier())).isTrue();
        PostgresAdapter leaderPg = new PostgresAdapter(primary, c0);
        MemberDataBuilder leaderMember = new MemberDataBuilder(primary.connUrl(), "http://127.0.0.1:1/patroni",
                "4.1.4");
        leaderDcs.touchMember(leaderMember.build(leaderPg.observe(), null, Map.of(), false));
        assertThat(leaderDcs.attemptToAcquireLeader()).isTrue();

        PatroniDcs dcs = new PatroniDcs(env.server.newStore("pg1", Duration.ofSeconds(30)), "/service", "batman",
                "pg1");
        env.closing(dcs::close);
        PostgresAdapter pg = new PostgresAdapter(replica, c1);
        pg.setUseSlots(true);
        StatusPublisher status = new StatusPublisher("batman", "pg1", pg::lastStatus);
        HaLoop loop = new HaLoop("pg1", dcs, pg, HaDecider::decide, new EffectiveSettings(c1), new PeerProber(),
                new MemberDataBuilder(replica.connUrl(), "http://127.0.0.1:2/patroni", "4.1.4"), status,
                Clock.systemUTC());
        env.closing(loop);
        loop.cycle();
        assertThat(replica.status().inRecovery()).as("pg1 stays a replica of pg0").isTrue();

        // WAL the replica replays while the DCS is up, then the DCS goes away for pg1
        primary.connection().execute("CREATE TABLE t AS SELECT generate_series(1, 20000) AS v");
        long position = primary.status().walPosition();
        ComponentPostgres.waitFor("pg1 replayed the new WAL", () -> {
            Long replay = replica.status().replayLsn();
            return replay != null && replay >= position;
        });
        ExistingSlot before = slot(replica, "perm_phys");
        assertThat(before == null || before.restartLsn() == null || before.restartLsn() < position)
                .as("the copy is behind the position the leader will send: %s", before).isTrue();
        env.server.partition("pg1");

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
        PatroniDcs dcs = new PatroniDcs(env.server.newStore("pg0", Duration.ofSeconds(30)), "/service", "batman",
                "pg0");
        env.closing(dcs::close);
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
        env.closing(loop);
        for (int i = 0; i < 5 && slot(primary, "pg2") == null; i++) loop.cycle();
        ExistingSlot made = slot(primary, "pg2");
        assertThat(made).as("pg0 keeps a slot of pg2").isNotNull();
        assertThat(dcs.load().isLeader("pg0")).isTrue();

        primary.connection().execute("CREATE TABLE t AS SELECT generate_series(1, 20000) AS v");
        long position = primary.status().walPosition();
        assertThat(made.restartLsn()).as("the slot reserved WAL before the new position").isLessThan(position);
        env.server.partition("pg0");
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
        PatroniDcs member = new PatroniDcs(env.server.newStore(name, Duration.ofSeconds(30)), "/service", "batman",
                name);
        env.closing(member::close);  // the key lives with its session
        member.touchMember(new MemberData("postgres://127.0.0.1:1/postgres", "http://127.0.0.1:2/patroni", null,
                "running", "replica", "4.1.4", 0L, null, null, null, 1, tags, null, null, null, null, false,
                Map.of()));
    }

    private static ExistingSlot slot(Postgresql pg, String name) {
        return pg.connection().replicationSlots().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElse(null);
    }
}
