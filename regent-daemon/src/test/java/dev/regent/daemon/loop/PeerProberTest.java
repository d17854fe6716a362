package dev.regent.daemon.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.PeerStatus;
import org.junit.jupiter.api.Test;

/** How a peer's {@code GET /patroni} answer is read for the leader race (Patroni's _MemberStatus). */
class PeerProberTest {
    @Test
    void aRunningPrimaryIsAPrimaryWithItsLocation() {
        PeerStatus st = PeerProber.parse("pg0", "{\"state\": \"running\", \"role\": \"primary\", \"xlog\":"
                + " {\"location\": 1234}, \"timeline\": 2}");
        assertThat(st.primary()).isTrue();
        assertThat(st.walPosition()).isEqualTo(1234);
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
    void aRunningReplicaReportsItsReceivedPosition() {
        PeerStatus st = PeerProber.parse("pg1", "{\"state\": \"running\", \"role\": \"replica\", \"xlog\":"
                + " {\"received_location\": 900, \"replayed_location\": 800}}");
        assertThat(st.primary()).isFalse();
        assertThat(st.walPosition()).isEqualTo(900);
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
