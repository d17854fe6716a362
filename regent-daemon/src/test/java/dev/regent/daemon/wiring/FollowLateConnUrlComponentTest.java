package dev.regent.daemon.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.config.NodeConfig;
import dev.regent.core.ha.HaDecider;
import dev.regent.core.model.MemberData;
import dev.regent.daemon.loop.HaLoop;
import dev.regent.daemon.loop.MemberDataBuilder;
import dev.regent.daemon.loop.PeerProber;
import dev.regent.dcs.PatroniDcs;
import dev.regent.postgres.Postgresql;
import dev.regent.postgres.Role;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real PostgreSQL 15, a replica driven by its real HA loop over an in-memory DCS, following a leader whose member key
 * has no conn_url when the replica first reads it (as while Patroni re-creates its ZooKeeper member node after a
 * promotion: the leader key is there, the member's data is not). The replica cannot stream then; once the member key
 * shows the conn_url, its next cycle must write primary_conninfo and stream. (CI, ZooKeeperMixedClusterTest: a Regent
 * replica wrote "following node0 (null)" and stayed in archive recovery for good, because the core saw it "following
 * node0" already.)
 */
class FollowLateConnUrlComponentTest {
    private ComponentPostgres env;

    @AfterEach
    void cleanUp() throws Exception {
        if (env != null) env.close();
    }

    @Test
    void aReplicaStreamsOnceTheLeadersConnUrlArrives() throws Exception {
        env = new ComponentPostgres();
        Postgresql primary = env.startPrimary(env.config("pg0"));
        NodeConfig c1 = env.config("pg1");
        primary.connection().createPhysicalSlot("pg1");
        Postgresql replica = env.cloneOf(primary, c1);
        replica.writeConfig(Role.REPLICA, null, null);  // a standby that streams from nobody yet
        assertThat(replica.start(ComponentPostgres.TIMEOUT)).isTrue();

        PatroniDcs leaderDcs = env.closing(new PatroniDcs(env.server.newStore("pg0", Duration.ofSeconds(30)),
                "/service", "batman", "pg0"));
        assertThat(leaderDcs.setConfigValue("{\"ttl\":30,\"loop_wait\":10}", null)).isTrue();
        assertThat(leaderDcs.initialize(true, primary.status().systemIdentifier())).isTrue();
        leaderDcs.touchMember(leaderData(null));
        assertThat(leaderDcs.attemptToAcquireLeader()).isTrue();

        PatroniDcs dcs = env.closing(new PatroniDcs(env.server.newStore("pg1", Duration.ofSeconds(30)), "/service",
                "batman", "pg1"));
        PostgresAdapter pg = new PostgresAdapter(replica, c1);
        pg.setUseSlots(true);
        StatusPublisher status = new StatusPublisher("batman", "pg1", pg::lastStatus);
        HaLoop loop = env.closing(new HaLoop("pg1", dcs, pg, HaDecider::decide, new EffectiveSettings(c1),
                new PeerProber(), new MemberDataBuilder(replica.connUrl(), "http://127.0.0.1:2/patroni", "4.1.4"),
                status, Clock.systemUTC()));
        loop.cycle();
        assertThat(replica.status().inRecovery()).as("pg1 stays a replica").isTrue();
        assertThat(pg.observe().followedMember()).as("streams from nobody while pg0 has no conn_url").isNull();

        leaderDcs.touchMember(leaderData(primary.connUrl()));
        loop.cycle();
        ComponentPostgres.waitFor("pg1 streams from pg0",
                () -> "streaming".equals(replica.status().replicationState()));
        assertThat(pg.observe().followedMember()).isEqualTo("pg0");
    }

    private static MemberData leaderData(String connUrl) {
        return new MemberData(connUrl, "http://127.0.0.1:1/patroni", null, "running", "primary", "4.1.4", 0L, null,
                null, null, 1, Map.of(), null, null, null, null, false, Map.of());
    }
}
