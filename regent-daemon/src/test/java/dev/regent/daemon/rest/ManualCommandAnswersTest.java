package dev.regent.daemon.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.PeerStatus;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Leader;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The REST answers of the switchover/failover and restart rules that live in core (ManualFailoverFeasibility,
 * RestartConditions), over a real REST server: the order in which they answer and the state they are judged on.
 */
class ManualCommandAnswersTest {
    private static final String PAST = "2020-01-01T00:00:00Z";
    private static final String FUTURE = "2030-01-01T00:00:00Z";
    static RestFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = new RestFixture();
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @BeforeEach
    void reset() {
        f.status.set(Fixtures.primary());
        f.control.setView(Fixtures.cluster());
        f.control.calls.clear();
        f.control.peers = null;
        f.control.failWrites = false;
        f.control.onFailoverWrite = c -> {};
    }

    private void assertAnswer(String method, String path, String body, int code, String text) throws Exception {
        HttpResponse<String> r = f.send(method, path, body);
        assertThat(r.statusCode()).as(method + " " + path + " " + body).isEqualTo(code);
        assertThat(r.body()).as(method + " " + path + " " + body).isEqualTo(text);
    }

    @Test
    void aBadScheduleAnswersOnlyWhenNoEarlierConditionDoes() throws Exception {
        assertAnswer("POST", "/failover", "{\"candidate\":\"pg1\",\"scheduled_at\":\"" + PAST + "\"}", 400,
                "Failover can't be scheduled");
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\",\"candidate\":\"pg0\",\"scheduled_at\":\"" + PAST
                + "\"}", 422, "Cannot schedule switchover in the past");
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\",\"candidate\":\"pg0\",\"scheduled_at\":\"" + FUTURE
                + "\"}", 400, "Switchover target and source are the same");
        f.control.setView(Fixtures.cluster(Map.of("pause", true), null));
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\",\"scheduled_at\":\"garbage\"}", 400,
                "Can't schedule switchover in the paused state");
        assertThat(f.control.calls).noneMatch(c -> c.startsWith("writeFailover") || c.startsWith("fetchPeer"));
    }

    @Test
    void aFailoverNamingTheLeaderIsPerformedAsASwitchover() throws Exception {
        assertAnswer("POST", "/failover", "{\"leader\":\"pg1\",\"candidate\":\"pg1\"}", 400,
                "Switchover target and source are the same");
        f.control.onFailoverWrite = c -> {
            ClusterView v = c.view();
            c.setView(new ClusterView(v.initialize(), v.config(), new Leader("pg1", 11, null, v.members().get(1)),
                    v.status(), v.members(), null, v.sync(), v.history(), v.failsafe()));
        };
        assertAnswer("POST", "/failover", "{\"leader\":\"pg0\",\"candidate\":\"pg1\"}", 200,
                "Successfully switched over to \"pg1\"");
        assertThat(f.control.calls).contains("fetchPeerStatuses [pg1]",
                "writeFailover {\"leader\":\"pg0\",\"member\":\"pg1\"} null");
    }

    @Test
    void aFailoverIsNotBoundToTheSyncStandby() throws Exception {
        f.control.setView(Fixtures.syncCluster("on"));
        f.control.peers = List.of(PeerStatus.unreachable("pg2"));
        assertAnswer("POST", "/failover", "{\"candidate\":\"pg2\"}", 412,
                "failover is not possible: no good candidates have been found");
        assertThat(f.control.calls).contains("fetchPeerStatuses [pg2]");
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\",\"candidate\":\"pg2\"}", 412,
                "candidate name does not match with sync_standby");
    }

    /**
     * Quorum mode: a switchover only to a voter of /sync, refused with Patroni's 412 and message before the failover
     * key is written (Patroni 4 writes it and its leader refuses: 503 "Switchover failed"); a failover may name any
     * member.
     */
    @Test
    void inQuorumModeASwitchoverGoesOnlyToAVoter() throws Exception {
        f.control.setView(Fixtures.syncCluster("quorum"));
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\",\"candidate\":\"pg2\"}", 412,
                "candidate name does not match with sync_standby");
        assertThat(f.control.calls).noneMatch(c -> c.startsWith("writeFailover") || c.startsWith("fetchPeer"));
        f.control.peers = List.of(PeerStatus.unreachable("pg2"));
        assertAnswer("POST", "/failover", "{\"candidate\":\"pg2\"}", 412,
                "failover is not possible: no good candidates have been found");
        assertThat(f.control.calls).contains("fetchPeerStatuses [pg2]");
        f.control.peers = List.of(PeerStatus.unreachable("pg1"));
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\",\"candidate\":\"pg1\"}", 412,
                "switchover is not possible: no good candidates have been found");
        assertThat(f.control.calls).contains("fetchPeerStatuses [pg1]");
    }

    @Test
    void inSynchronousModeOnlyTheSyncStandbyCanTakeOver() throws Exception {
        f.control.setView(Fixtures.syncCluster("on"));
        f.control.peers = List.of(PeerStatus.unreachable("pg1"));
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\"}", 412,
                "switchover is not possible: no good candidates have been found");
        assertThat(f.control.calls).contains("fetchPeerStatuses [pg1]");
    }

    @Test
    void restartFiltersAreJudgedOnThePublishedState() throws Exception {
        f.status.set(Fixtures.replicaBuilder(Fixtures.cluster())
                .pendingRestartReason(Map.of("max_connections", Map.of("old_value", "100", "new_value", "200")))
                .build());
        assertAnswer("POST", "/restart", "{\"role\":\"replica\",\"restart_pending\":true}", 200,
                "restarted successfully");
        assertAnswer("POST", "/restart", "{\"postgres_version\":\"15.5\"}", 200, "restarted successfully");
        assertAnswer("POST", "/restart", "{\"role\":\"primary\"}", 503, "restart conditions are not satisfied");
        assertAnswer("POST", "/restart", "{\"postgres_version\":\"15.4\"}", 503,
                "restart conditions are not satisfied");
        f.status.set(Fixtures.replica());
        assertAnswer("POST", "/restart", "{\"restart_pending\":true}", 503, "restart conditions are not satisfied");
        assertThat(f.control.calls.stream().filter("requestRestart"::equals).count()).isEqualTo(2);
    }
}
