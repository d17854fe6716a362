package dev.regent.daemon.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.daemon.SyntheticUnsupportedSettings;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReadEndpointsTest {
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
        f.control.setView(Fixtures.cluster());
    }

    @Test
    void patroniOnPrimary() throws Exception {
        HttpResponse<String> r = f.get("/patroni");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode j = Json.tree(r.body());
        assertThat(j.get("state").asText()).isEqualTo("running");
        assertThat(j.get("postmaster_start_time").asText()).isEqualTo("2024-08-28 19:39:26.352526+00:00");
        assertThat(j.get("role").asText()).isEqualTo("primary");
        assertThat(j.get("server_version").asInt()).isEqualTo(150004);
        assertThat(j.get("xlog").get("location").asLong()).isEqualTo(0x3000060L);
        assertThat(j.get("timeline").asInt()).isEqualTo(2);
        assertThat(j.get("replication").get(0).get("application_name").asText()).isEqualTo("pg1");
        assertThat(j.has("cluster_unlocked")).isFalse();
        assertThat(j.get("dcs_last_seen").asLong()).isEqualTo(1724873966L);
        assertThat(j.get("database_system_identifier").asText()).isEqualTo("7000000000000000001");
        assertThat(j.get("patroni").toString()).isEqualTo("{\"version\":\"4.1.4\",\"scope\":\"batman\",\"name\":\"pg0\"}");
        assertThat(j.has("latest_end_lsn")).isFalse();
    }

    @Test
    void patroniListsUnsupportedSettingsOfTheLastSeenConfig() throws Exception {
        assertThat(Json.tree(f.get("/patroni").body()).has("unsupported_settings")).isFalse();
        f.status.set(Fixtures.replicaBuilder(Fixtures.syncCluster("quorum")).build());
        assertThat(Json.tree(f.get("/patroni").body()).has("unsupported_settings")).as("quorum is implemented")
                .isFalse();
        f.status.set(Fixtures.replicaBuilder(Fixtures.cluster(Map.of("standby_cluster", Map.of("host", "h1,h2")), null)).build());
        assertThat(Json.tree(f.get("/patroni").body()).has("unsupported_settings"))
                .as("a standby cluster with several hosts is implemented").isFalse();
        // the field's entries, by a table with a dynamic ERROR row (production's has none left)
        ClusterView withUnsafe = Fixtures.cluster(Map.of("synthetic_unsafe_mode", true, "standby_cluster",
                Map.of("host", "h1,h2")), null);
        JsonNode u = Json.tree(Exchange.JSON.writeValueAsString(UnsupportedSettingsJson.of(
                SyntheticUnsupportedSettings.table(), withUnsafe)));
        assertThat(u).hasSize(1);
        assertThat(u.get(0).get("key").asText()).isEqualTo("synthetic_unsafe_mode");
        assertThat(u.get(0).get("value").toString()).isEqualTo("true");
        assertThat(u.get(0).get("reason").asText()).isEqualTo("a synthetic row of the tests: it would weaken safety");
        assertThat(UnsupportedSettingsJson.of(SyntheticUnsupportedSettings.table(), null)).isEmpty();
        assertThat(UnsupportedSettingsJson.of(withUnsafe)).as("production's table").isEmpty();
    }

    @Test
    void patroniOnReplicaAndStaleView() throws Exception {
        f.status.set(Fixtures.replicaBuilder(Fixtures.cluster()).paused(true)
                .pendingRestartReason(java.util.Map.of("max_connections", java.util.Map.of("old_value", "100",
                        "new_value", "200"))).build());
        JsonNode j = Json.tree(f.get("/patroni").body());
        assertThat(j.get("role").asText()).isEqualTo("replica");
        assertThat(j.get("xlog").get("replayed_location").asLong()).isEqualTo(0x3000060L);
        assertThat(j.get("xlog").get("received_location").asLong()).isEqualTo(0x3000060L + 16);
        assertThat(j.get("xlog").get("replayed_timestamp").asText()).isEqualTo("2024-08-28 19:40:00.500000+00:00");
        assertThat(j.get("xlog").get("paused").asBoolean()).isFalse();
        assertThat(j.get("replication_state").asText()).isEqualTo("streaming");
        assertThat(j.get("pause").asBoolean()).isTrue();
        assertThat(j.get("pending_restart").asBoolean()).isTrue();
        assertThat(j.get("pending_restart_reason").get("max_connections").get("new_value").asText()).isEqualTo("200");
        assertThat(j.get("tags").get("zone").asText()).isEqualTo("a");
        f.time.set(Fixtures.NOW + 20_000); // view stale -> cluster_unlocked, and the cached JSON is re-rendered
        assertThat(Json.tree(f.get("/patroni").body()).get("cluster_unlocked").asBoolean()).isTrue();
    }

    @Test
    void patroniWhenPostgresDown() throws Exception {
        f.status.set(Fixtures.stoppedLeader());
        JsonNode j = Json.tree(f.get("/patroni").body());
        assertThat(j.get("state").asText()).isEqualTo("crashed");
        assertThat(j.get("role").asText()).isEqualTo("primary");
        assertThat(j.has("xlog")).isFalse();
        assertThat(j.has("server_version")).isFalse();
    }

    @Test
    void clusterJson() throws Exception {
        f.control.setView(FakeNodeControl.with(Fixtures.syncCluster("on"), Fixtures.syncCluster("on").config(),
                new Failover(3, "pg0", "pg1", FakeNodeControl.parseInstant("2025-01-02T10:00:00+00:00"))));
        JsonNode j = Json.tree(f.get("/cluster").body());
        assertThat(j.get("scope").asText()).isEqualTo("batman");
        JsonNode m = j.get("members");
        assertThat(m.size()).isEqualTo(3);
        assertThat(m.get(0).get("name").asText()).isEqualTo("pg0");
        assertThat(m.get(0).get("role").asText()).isEqualTo("leader");
        assertThat(m.get(0).get("state").asText()).isEqualTo("running");
        assertThat(m.get(0).get("host").asText()).isEqualTo("127.0.0.1");
        assertThat(m.get(0).get("port").asInt()).isEqualTo(5432);
        assertThat(m.get(0).has("lag")).isFalse();
        assertThat(m.get(1).get("role").asText()).isEqualTo("sync_standby");
        assertThat(m.get(1).get("state").asText()).isEqualTo("streaming");
        assertThat(m.get(1).get("lsn").asText()).isEqualTo("0/3000000");
        assertThat(m.get(1).get("lag").asLong()).isEqualTo(0x60);
        assertThat(m.get(1).get("replay_lsn").asText()).isEqualTo("0/3000000");
        assertThat(m.get(1).get("timeline").asInt()).isEqualTo(2);
        assertThat(m.get(2).get("role").asText()).isEqualTo("replica");
        assertThat(m.get(2).get("lag").asText()).isEqualTo("unknown");
        assertThat(m.get(2).has("lsn")).isFalse();
        assertThat(j.get("scheduled_switchover").toString())
                .isEqualTo("{\"at\":\"2025-01-02T10:00:00+00:00\",\"from\":\"pg0\",\"to\":\"pg1\"}");
        assertThat(ClusterJson.formatLsn(0x1_0000_00ABL)).isEqualTo("1/AB");
    }

    @Test
    void historyAndConfig() throws Exception {
        assertThat(f.get("/history").body())
                .isEqualTo("[[1,50331688,\"no recovery target specified\",\"2024-08-28T19:39:26.352526+00:00\",\"pg0\"]]");
        HttpResponse<String> c = f.get("/config");
        assertThat(c.statusCode()).isEqualTo(200);
        assertThat(Json.tree(c.body()).get("ttl").asInt()).isEqualTo(30);
        f.control.setView(FakeNodeControl.with(Fixtures.cluster(), null, null));
        assertThat(f.code("/config")).isEqualTo(502);
    }

    @Test
    void metrics() throws Exception {
        HttpResponse<String> r = f.get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain");
        String l = "{scope=\"batman\",name=\"pg0\"}";
        assertThat(r.body()).contains("patroni_version" + l + " 040104\n", "patroni_postgres_running" + l + " 1\n",
                "patroni_primary" + l + " 1\n", "patroni_xlog_location" + l + " 50331744\n",
                "patroni_replica" + l + " 0\n", "patroni_postgres_server_version" + l + " 150004\n",
                "patroni_cluster_unlocked" + l + " 0\n", "patroni_postgres_timeline" + l + " 2\n",
                "# TYPE patroni_postgres_timeline counter", "patroni_postgres_state" + l + " 5\n",
                "patroni_is_paused" + l + " 0\n", "patroni_failover_priority" + l + " 1\n",
                "patroni_postmaster_start_time" + l + " 1724873966.352526\n", "patroni_sync_standby",
                "patroni_quorum_standby", "patroni_xlog_received_location", "patroni_xlog_replayed_location",
                "patroni_xlog_replayed_timestamp", "patroni_xlog_paused", "patroni_postgres_streaming",
                "patroni_postgres_in_archive_recovery", "patroni_failsafe_mode_is_active",
                "patroni_failsafe_mode_enabled", "patroni_failsafe_member", "patroni_dcs_last_seen",
                "patroni_pending_restart", "patroni_standby_leader");
        assertThat(r.body()).doesNotContain("patroni_master");
        f.status.set(Fixtures.replica());
        String replica = f.get("/metrics").body();
        assertThat(replica).contains("patroni_replica{scope=\"batman\",name=\"pg1\"} 1\n",
                "patroni_postgres_streaming{scope=\"batman\",name=\"pg1\"} 1\n");
    }

    @Test
    void decisionsAreServedAsJsonFilteredBySince() throws Exception {
        dev.regent.core.ledger.LedgerEntry a = new dev.regent.core.ledger.LedgerEntry(1_764_693_601_000L, 7, "pg0",
                "demote", "pg0 demoted", "m", List.of("Demote[mode=GRACEFUL, followMember=pg1]"), "ok",
                List.of("r"), Map.of("lock", Map.of("owner", "pg0")));
        dev.regent.core.ledger.LedgerEntry b = new dev.regent.core.ledger.LedgerEntry(1_764_693_700_000L, 9, "pg0",
                "follow", "pg0 now streams from pg1", "m", List.of(), "ok", List.of(), Map.of());
        f.control.decisions = List.of(a, b);
        f.control.decisionCounts = Map.of("demote", 1L);
        try {
            HttpResponse<String> all = f.get("/decisions");
            assertThat(all.statusCode()).isEqualTo(200);
            assertThat(dev.regent.daemon.view.DecisionJson.parseArray(all.body())).containsExactly(a, b);
            assertThat(all.body()).startsWith("[{\"time\":\"2025-12-02T16:40:01Z\",\"cycle\":7,\"member\":\"pg0\","
                    + "\"kind\":\"demote\"");
            assertThat(dev.regent.daemon.view.DecisionJson.parseArray(f.get("/decisions?since=8").body()))
                    .containsExactly(b);
            assertThat(dev.regent.daemon.view.DecisionJson.parseArray(
                    f.get("/decisions?since=2025-12-02T16:41:00Z").body())).containsExactly(b);
            HttpResponse<String> bad = f.get("/decisions?since=soon");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("since: 'soon' is neither a cycle number nor an ISO-8601 time");
            assertThat(f.get("/metrics").body()).contains("# TYPE regent_decisions_total counter\n",
                    "regent_decisions_total{scope=\"batman\",name=\"pg0\",kind=\"demote\"} 1\n");
        } finally {
            f.control.decisions = List.of();
            f.control.decisionCounts = Map.of();
        }
    }
}
