package dev.regent.daemon.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.PeerStatus;
import org.junit.jupiter.api.Test;

/** How a member's {@code GET /patroni} answer counts in the leader race. */
class PeerProberTest {
    @Test
    void aRunningPrimaryIsStillAlive() {
        PeerStatus p = PeerProber.parse("pg0",
                "{\"state\":\"running\",\"role\":\"primary\",\"xlog\":{\"location\":500}}");
        assertThat(p.primary()).isTrue();
        assertThat(p.walPosition()).isEqualTo(500);
    }

    @Test
    void aCrashedOrStoppedPrimaryIsNotAlive() {
        // the former leader that just handed over (primary_start_timeout 0) must not hold the race back
        assertThat(PeerProber.parse("pg0", "{\"state\":\"crashed\",\"role\":\"primary\"}").primary()).isFalse();
        assertThat(PeerProber.parse("pg0", "{\"state\":\"stopped\",\"role\":\"primary\"}").primary()).isFalse();
        assertThat(PeerProber.parse("pg0", "{\"state\":\"stopped\",\"role\":\"primary\"}").reachable()).isTrue();
    }

    @Test
    void aFormerPrimaryStillStartingIsNotAlive() {
        // the crashed former leader restarting as a replica still reports its data directory's role
        assertThat(PeerProber.parse("pg0", "{\"state\":\"starting\",\"role\":\"primary\"}").primary()).isFalse();
    }

    @Test
    void aReplicaReportsItsReceivedOrReplayedPosition() {
        PeerStatus p = PeerProber.parse("pg1", "{\"state\":\"running\",\"role\":\"replica\","
                + "\"xlog\":{\"received_location\":700,\"replayed_location\":650},\"tags\":{\"failover_priority\":3}}");
        assertThat(p.primary()).isFalse();
        assertThat(p.walPosition()).isEqualTo(700);
        assertThat(p.failoverPriority()).isEqualTo(3);
    }

    @Test
    void garbageIsUnreachable() {
        assertThat(PeerProber.parse("pg1", "not json").reachable()).isFalse();
    }

    @Test
    void aPeerWhosePostgresDoesNotRunIsNoPrimaryStillAlive() {
        // a Regent node whose crashed primary fails to start again reports role primary from pg_controldata
        for (String state : new String[] {"starting", "start failed", "stopped", "crashed"}) {
            PeerStatus st = PeerProber.parse("pg0", "{\"state\": \"" + state + "\", \"role\": \"primary\"}");
            assertThat(st.primary()).as(state).isFalse();
            assertThat(st.walPosition()).isZero();
        }
    }

    @Test
    void anExplicitNofailoverFalseWinsOverPriorityZero() {
        // Patroni's Tags.nofailover: "Conflicting configuration ... Defaulting to nofailover: False"
        PeerStatus st = PeerProber.parse("pg1", "{\"state\": \"running\", \"role\": \"replica\", \"tags\":"
                + " {\"failover_priority\": \"0\", \"nofailover\": false}}");
        assertThat(st.noFailover()).isFalse();
        assertThat(PeerProber.parse("pg1", "{\"state\": \"running\", \"tags\": {\"failover_priority\": 0}}")
                .noFailover()).isTrue();
        assertThat(PeerProber.parse("pg1", "{\"state\": \"running\", \"tags\": {\"nofailover\": true,"
                + " \"failover_priority\": 1}}").noFailover()).isTrue();
    }
}
