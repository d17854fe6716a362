package dev.regent.daemon.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthCheckEndpointsTest {
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
        f.time.set(Fixtures.NOW);
        f.status.set(Fixtures.primary());
    }

    private void assertCodes(Map<String, Integer> expected) throws Exception {
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            assertThat(f.code(e.getKey())).as("GET " + e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void primaryHoldingLock() throws Exception {
        assertCodes(Map.ofEntries(Map.entry("/", 200), Map.entry("/primary", 200), Map.entry("/master", 200),
                Map.entry("/read-write", 200), Map.entry("/leader", 200), Map.entry("/standby-leader", 503),
                Map.entry("/standby_leader", 503), Map.entry("/replica", 503), Map.entry("/read-only", 200),
                Map.entry("/health", 200), Map.entry("/liveness", 200), Map.entry("/readiness", 200),
                Map.entry("/async", 503), Map.entry("/sync", 503), Map.entry("/read-only-sync", 200),
                Map.entry("/nonsense", 503)));
    }

    @Test
    void primaryBodyIsStatusJson() throws Exception {
        HttpResponse<String> r = f.get("/primary");
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(Json.tree(r.body()).get("role").asText()).isEqualTo("primary");
        HttpResponse<String> unknown = f.get("/whatever/else");
        assertThat(unknown.statusCode()).isEqualTo(503);
        assertThat(Json.tree(unknown.body()).get("patroni").get("name").asText()).isEqualTo("pg0");
    }

    @Test
    void replica() throws Exception {
        f.status.set(Fixtures.replica());
        assertCodes(Map.ofEntries(Map.entry("/", 503), Map.entry("/primary", 503), Map.entry("/leader", 503),
                Map.entry("/replica", 200), Map.entry("/read-only", 200), Map.entry("/health", 200),
                Map.entry("/async", 200), Map.entry("/asynchronous", 200), Map.entry("/sync", 503),
                Map.entry("/quorum", 503), Map.entry("/read-only-sync", 503), Map.entry("/liveness", 200),
                Map.entry("/readiness", 200)));
    }

    @Test
    void lockExpiredTurnsPrimary503BeforeNextCycle() throws Exception {
        assertThat(f.code("/primary")).isEqualTo(200);
        f.time.set(Fixtures.NOW + 20_000); // the lock was valid until exactly this instant
        assertCodes(Map.of("/primary", 503, "/leader", 503, "/read-only", 503, "/health", 200));
    }

    @Test
    void postmasterDownWhileHoldingLockIsNotPrimary() throws Exception {
        f.status.set(Fixtures.stoppedLeader());
        assertCodes(Map.of("/primary", 503, "/leader", 200, "/health", 503, "/replica", 503, "/readiness", 200));
        assertThat(Json.tree(f.get("/patroni").body()).get("state").asText()).isEqualTo("crashed");
    }

    @Test
    void stoppedReplica() throws Exception {
        f.status.set(NodeStatus.builder("batman", "pg1").state("stopped").role("replica")
                .cluster(Fixtures.cluster(), Fixtures.NOW + 1000).nextCycleAt(Fixtures.NOW).build());
        assertCodes(Map.of("/primary", 503, "/replica", 503, "/health", 503, "/readiness", 503,
                "/liveness", 200));
    }

    @Test
    void replicaLagQueryParameter() throws Exception {
        // 0x3000060 (cluster optime) - 0x3000000 (replayed) = 96 bytes behind
        f.status.set(Fixtures.replicaBuilder(Fixtures.cluster()).pg(Fixtures.replicaPg(0x3000000L)).build());
        assertCodes(Map.of("/replica", 200, "/replica?lag=95", 503, "/replica?lag=96", 200, "/replica?lag=1kB", 200,
                "/read-only?lag=10", 503, "/replica?lag=garbage", 200, "/asynchronous?lag=10", 503));
    }

    @Test
    void replicaLagIgnoresStaleClusterButUsesWalReceiver() throws Exception {
        NodeStatus.PgDetails pg = new NodeStatus.PgDetails(null, 150004, true, 0, 100L, 100L, null, false, 5000L, 2,
                "streaming", null);
        f.status.set(Fixtures.replicaBuilder(Fixtures.cluster()).pg(pg).build());
        assertThat(f.code("/replica?lag=1000")).isEqualTo(503);
        f.time.set(Fixtures.NOW + 30_000); // cluster view stale; latest_end_lsn still counts
        assertThat(f.code("/replica?lag=4900")).isEqualTo(200);
        assertThat(f.code("/replica?lag=4899")).isEqualTo(503);
    }

    @Test
    void replicationStateAndTags() throws Exception {
        f.status.set(Fixtures.replica());
        assertCodes(Map.of("/replica?replication_state=streaming", 200,
                "/replica?replication_state=in%20archive%20recovery", 503, "/replica?tag_zone=a", 200,
                "/replica?tag_zone=b", 503, "/replica?tag_missing=x", 503, "/replica?tag_nofailover=false", 200,
                "/replica?tag_nofailover=False", 503, "/health?tag_zone=b", 503));
        // tags are ignored on leader paths
        f.status.set(Fixtures.primary());
        assertThat(f.code("/primary?tag_zone=b")).isEqualTo(200);
    }

    @Test
    void noloadbalanceExcludesReplica() throws Exception {
        f.status.set(Fixtures.replicaBuilder(Fixtures.cluster()).tags(Map.of("noloadbalance", true)).build());
        assertCodes(Map.of("/replica", 503, "/read-only", 503, "/health", 200));
    }

    @Test
    void syncAndQuorumPaths() throws Exception {
        f.status.set(Fixtures.replicaBuilder(Fixtures.syncCluster("on")).build());
        assertCodes(Map.of("/sync", 200, "/synchronous", 200, "/async", 503, "/quorum", 503,
                "/read-only-sync", 200, "/read-only-quorum", 503));
        assertThat(Json.tree(f.get("/patroni").body()).get("sync_standby").asBoolean()).isTrue();
        f.status.set(Fixtures.replicaBuilder(Fixtures.syncCluster("quorum")).build());
        assertCodes(Map.of("/sync", 503, "/quorum", 200, "/async", 503, "/read-only-quorum", 200));
        // without a fresh DCS view these paths are 503
        f.time.set(Fixtures.NOW + 30_000);
        assertCodes(Map.of("/quorum", 503, "/async", 503, "/replica", 200));
    }

    @Test
    void standbyCluster() throws Exception {
        NodeStatus.PgDetails pg = Fixtures.replicaPg(0x3000060L);
        f.status.set(NodeStatus.builder("batman", "pg0").state("running").role("standby_leader").pg(pg)
                .standbyCluster(true).leaderLock(true, Fixtures.NOW + 1000).cluster(Fixtures.cluster(), Fixtures.NOW)
                .build());
        assertCodes(Map.of("/standby-leader", 200, "/standby_leader", 200, "/leader", 200, "/primary", 503,
                "/replica", 503, "/read-only", 200));
    }

    @Test
    void pausedWithoutDcsJudgesByRole() throws Exception {
        f.status.set(NodeStatus.builder("batman", "pg0").state("running").role("primary").pg(Fixtures.primaryPg())
                .paused(true).build()); // no lock, no DCS view
        assertCodes(Map.of("/primary", 200, "/leader", 200, "/replica", 503));
    }

    @Test
    void headAndOptionsAreStatusOnly() throws Exception {
        HttpResponse<String> head = f.send("HEAD", "/primary", null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(f.send("OPTIONS", "/replica", null).statusCode()).isEqualTo(503);
        assertThat(f.send("OPTIONS", "/replica", null).body()).isEmpty();
        assertThat(f.send("HEAD", "/patroni", null).statusCode()).isEqualTo(503); // health logic on any path
    }

    @Test
    void liveness() throws Exception {
        f.time.set(Fixtures.NOW + 10_000 + 29_999); // primary: next cycle + ttl
        assertThat(f.code("/liveness")).isEqualTo(200);
        assertThat(f.get("/liveness").body()).isEmpty();
        f.time.set(Fixtures.NOW + 10_000 + 30_000);
        assertThat(f.code("/liveness")).isEqualTo(503);
        f.status.set(Fixtures.replica()); // replicas get 2 * ttl
        assertThat(f.code("/liveness")).isEqualTo(200);
        f.status.set(Fixtures.replicaBuilder(Fixtures.cluster()).paused(true).build());
        f.time.set(Fixtures.NOW + 1_000_000);
        assertThat(f.code("/liveness")).isEqualTo(200);
    }

    @Test
    void readiness() throws Exception {
        f.status.set(Fixtures.replicaBuilder(Fixtures.cluster()).pg(Fixtures.replicaPg(0x3000000L))
                .maximumLagOnFailover(50).build());
        assertCodes(Map.of("/readiness", 503, "/readiness?lag=96", 200, "/readiness?lag=95", 503,
                "/readiness?lag=80&mode=write", 200)); // received = replayed + 16
        f.time.set(Fixtures.NOW + 30_000); // no reference LSN at all
        assertThat(f.code("/readiness?lag=1GB")).isEqualTo(503);
        f.status.set(Fixtures.replicaBuilder(Fixtures.cluster()).failsafeActive(true).build());
        assertThat(f.code("/readiness")).isEqualTo(200);
    }
}
