package dev.regent.daemon.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.PeerStatus;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Leader;
import dev.regent.daemon.SyntheticUnsupportedSettings;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WriteEndpointsTest {
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
        f.control.calls.clear();
        f.control.peers = null;
        f.control.failWrites = false;
        f.control.onFailoverWrite = c -> {};
        f.control.scheduledRestart = false;
        f.control.reinitError = null;
        f.control.unsupported = SyntheticUnsupportedSettings.table();
    }

    private void assertAnswer(String method, String path, String body, int code, String text) throws Exception {
        HttpResponse<String> r = f.send(method, path, body);
        assertThat(r.statusCode()).as(method + " " + path + " " + body).isEqualTo(code);
        assertThat(r.body()).as(method + " " + path + " " + body).contains(text);
    }

    @Test
    void patchConfigDeepMergesAndDeletesNulls() throws Exception {
        HttpResponse<String> r = f.send("PATCH", "/config",
                "{\"ttl\":20,\"loop_wait\":null,\"pause\":true,\"postgresql\":{\"parameters\":{\"work_mem\":\"8MB\"}}}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Json.tree(r.body())).isEqualTo(Json.tree("{\"ttl\":20,\"postgresql\":{\"parameters\":{\"max_connections\":100,"
                + "\"work_mem\":\"8MB\"}},\"pause\":true}"));
        assertThat(f.control.view().config().data()).containsEntry("pause", true).doesNotContainKey("loop_wait");
        assertThat(f.control.view().config().version()).isEqualTo(6);
        assertThat(f.control.calls).contains("wakeUp");
    }

    @Test
    void patchConfigErrors() throws Exception {
        assertAnswer("PATCH", "/config", "{not json", 400, "invalid JSON");
        assertAnswer("PATCH", "/config", "[1,2]", 400, "body must be a JSON object");
        assertAnswer("PATCH", "/config", "{}", 400, "non-empty");
        String noLength = f.raw("PATCH /config HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(noLength).startsWith("HTTP/1.1 411");
        f.control.setView(FakeNodeControl.with(Fixtures.cluster(), null, null));
        assertAnswer("PATCH", "/config", "{\"ttl\":20}", 503, "no valid /config");
    }

    @Test
    void patchConfigCasConflictIs409() throws Exception {
        // another writer bumps the version between our read and our write
        FakeNodeControl racing = new FakeNodeControl() {
            @Override
            public synchronized boolean patchConfig(String json, long expectedVersion) {
                return super.patchConfig(json, expectedVersion + 1);
            }
        };
        racing.setView(Fixtures.cluster());
        try (RestApiServer s = new RestApiServer(RestApiServer.Options.of("127.0.0.1:0"), Fixtures::primary, racing)) {
            s.start();
            var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + s.port() + "/config"))
                    .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString("{\"ttl\":20}")).build();
            assertThat(f.client.send(req, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(409);
        }
    }

    // These use a table with a synthetic dynamic ERROR row (SyntheticUnsupportedSettings): production's table has
    // none left since standby_cluster.host with several hosts is implemented, but the refusal must keep working.

    @Test
    void patchConfigEnablingAnUnsupportedSafetySettingIs400WithTheReason() throws Exception {
        assertAnswer("PATCH", "/config", "{\"synthetic_unsafe_mode\":true,\"ttl\":40}", 400,
                "/config not changed: it would enable a setting Regent does not support yet: synthetic_unsafe_mode: "
                        + "true: a synthetic row of the tests: it would weaken safety");
        assertThat(f.control.calls).noneMatch(c -> c.startsWith("patchConfig"));
        assertThat(f.control.view().config().data()).doesNotContainKeys("synthetic_unsafe_mode")
                .containsEntry("ttl", 30);
        // warnings only, disabling values, synchronous replication, failsafe mode and a standby cluster with several
        // hosts (implemented) go through
        HttpResponse<String> r = f.send("PATCH", "/config", "{\"failsafe_mode\":true,\"synthetic_unsafe_mode\":false,"
                + "\"max_timelines_history\":5,\"synchronous_mode\":\"quorum\",\"synchronous_mode_strict\":true,"
                + "\"standby_cluster\":{\"host\":\"h1,h2\",\"port\":5433}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(f.control.view().config().data()).containsEntry("failsafe_mode", true)
                .containsEntry("synchronous_mode", "quorum")
                .containsEntry("standby_cluster", Map.of("host", "h1,h2", "port", 5433));
    }

    @Test
    void theTableInProductionRefusesNoStandbyClusterWithSeveralHosts() throws Exception {
        f.control.unsupported = dev.regent.core.config.UnsupportedSettings.ALL;
        HttpResponse<String> r = f.send("PUT", "/config", "{\"ttl\":30,\"standby_cluster\":{\"host\":\"h1,h2\"}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(f.control.view().config().data()).containsEntry("standby_cluster", Map.of("host", "h1,h2"));
    }

    @Test
    void anUnsupportedSettingAlreadyInConfigDoesNotBlockOtherChanges() throws Exception {
        // written by edit-config or a Patroni member, past this check
        f.control.setView(FakeNodeControl.with(Fixtures.cluster(), new dev.regent.core.model.ClusterConfig(5,
                Map.of("ttl", 30, "synthetic_unsafe_mode", "on")), null));
        HttpResponse<String> r = f.send("PATCH", "/config", "{\"ttl\":40}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(f.control.view().config().data()).containsEntry("ttl", 40).containsKey("synthetic_unsafe_mode");
        // removing it is allowed too; changing it to another enabling value is not
        assertAnswer("PATCH", "/config", "{\"synthetic_unsafe_mode\":true}", 400, "synthetic_unsafe_mode: true");
        assertThat(f.send("PATCH", "/config", "{\"synthetic_unsafe_mode\":null}").statusCode()).isEqualTo(200);
        assertThat(f.control.view().config().data()).doesNotContainKey("synthetic_unsafe_mode");
    }

    @Test
    void putConfigEnablingAnUnsupportedSafetySettingIs400() throws Exception {
        assertAnswer("PUT", "/config", "{\"ttl\":30,\"synthetic_unsafe_mode\":\"TRUE\"}", 400,
                "synthetic_unsafe_mode: TRUE");
        assertThat(f.control.calls).noneMatch(c -> c.startsWith("putConfig"));
        // ignore_slots is supported (issue 14): any matcher is accepted
        HttpResponse<String> ok = f.send("PUT", "/config", "{\"ttl\":30,\"ignore_slots\":[{\"name\":\"barman\"}]}");
        assertThat(ok.statusCode()).isEqualTo(200);
    }

    @Test
    void putConfig() throws Exception {
        HttpResponse<String> r = f.send("PUT", "/config", "{\"ttl\":40}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"ttl\":40}");
        assertThat(f.control.view().config().data()).isEqualTo(Map.of("ttl", 40));
        f.control.calls.clear();
        f.send("PUT", "/config", "{\"ttl\":40}"); // identical: no write
        assertThat(f.control.calls).noneMatch(c -> c.startsWith("putConfig"));
        f.control.failWrites = true;
        assertAnswer("PUT", "/config", "{\"ttl\":50}", 502, "failed");
    }

    @Test
    void switchoverConditionTable() throws Exception {
        assertAnswer("POST", "/failover", "{\"leader\":\"pg0\"}", 400,
                "Failover could be performed only to a specific candidate");
        assertAnswer("POST", "/switchover", "{\"candidate\":\"pg1\"}", 400,
                "Switchover could be performed only from a specific leader");
        assertAnswer("POST", "/failover", "{\"candidate\":\"pg1\",\"scheduled_at\":\"2030-01-01T00:00:00Z\"}", 400,
                "Failover can't be scheduled");
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\",\"scheduled_at\":\"2030-01-01T00:00:00\"}", 400,
                "Timezone information is mandatory for the scheduled switchover");
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\",\"scheduled_at\":\"2020-01-01T00:00:00Z\"}", 422,
                "Cannot schedule switchover in the past");
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\",\"scheduled_at\":\"tomorrow-ish\"}", 422,
                "Unable to parse scheduled timestamp");
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\",\"candidate\":\"pg0\"}", 400,
                "Switchover target and source are the same");
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg9\"}", 412, "leader name does not match");
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\",\"candidate\":\"pg7\"}", 412,
                "candidate does not exists");
        assertAnswer("POST", "/switchover", "{}", 400, "non-empty");
        assertThat(f.control.calls).noneMatch(c -> c.startsWith("writeFailover"));
    }

    @Test
    void switchoverPausedRules() throws Exception {
        f.control.setView(Fixtures.cluster(Map.of("pause", true), null));
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\",\"scheduled_at\":\"2030-01-01T00:00:00Z\"}", 400,
                "Can't schedule switchover in the paused state");
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\"}", 400,
                "Switchover is possible only to a specific candidate in a paused state");
    }

    @Test
    void switchoverFeasibility412() throws Exception {
        f.control.setView(Fixtures.syncCluster("on"));
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\",\"candidate\":\"pg2\"}", 412,
                "candidate name does not match with sync_standby");
        f.control.setView(Fixtures.cluster());
        f.control.peers = List.of(PeerStatus.unreachable("pg1"), new PeerStatus("pg2", true, false, 0, 1, 0, true));
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\"}", 412,
                "switchover is not possible: no good candidates have been found");
        assertThat(f.control.calls).contains("fetchPeerStatuses [pg1, pg2]");
    }

    @Test
    void scheduledSwitchoverAndDelete() throws Exception {
        assertAnswer("DELETE", "/switchover", null, 404, "no switchover is scheduled");
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\",\"scheduled_at\":\"2030-01-01 12:00+02:00\"}", 202,
                "Switchover scheduled");
        assertThat(f.control.calls).contains(
                "writeFailover {\"leader\":\"pg0\",\"scheduled_at\":\"2030-01-01T12:00:00+02:00\"} null");
        assertThat(f.control.view().failover().scheduledAt()).isNotNull();
        long version = f.control.view().failover().version();
        assertAnswer("DELETE", "/switchover", null, 200, "scheduled switchover deleted");
        assertThat(f.control.calls).as("cleared with {} and CAS, as Patroni").contains("writeFailover {} " + version);
        assertThat(f.control.view().failover()).isNull();
    }

    @Test
    void immediateSwitchoverWaitsForNewLeader() throws Exception {
        f.control.onFailoverWrite = c -> new Thread(() -> {
            ClusterView v = c.view();
            c.setView(new ClusterView(v.initialize(), v.config(), new Leader("pg1", 11, null, v.members().get(1)),
                    v.status(), v.members(), null, v.sync(), v.history(), v.failsafe()));
        }).start();
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\",\"candidate\":\"pg1\"}", 200,
                "Successfully switched over to \"pg1\"");
        f.control.setView(Fixtures.cluster());
        f.control.onFailoverWrite = c -> {
            ClusterView v = c.view();
            c.setView(new ClusterView(v.initialize(), v.config(), new Leader("pg2", 11, null, v.members().get(2)),
                    v.status(), v.members(), null, v.sync(), v.history(), v.failsafe()));
        };
        assertAnswer("POST", "/failover", "{\"candidate\":\"pg1\"}", 200, "Failed over to \"pg2\" instead of \"pg1\"");
    }

    @Test
    void immediateSwitchoverFailures() throws Exception {
        f.control.onFailoverWrite = c -> c.setView(FakeNodeControl.with(c.view(), c.view().config(), null));
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\"}", 503, "Switchover failed");
        f.control.onFailoverWrite = c -> {};
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\"}", 503,
                "Switchover status unknown after 2 seconds; operation may still be in progress");
        f.control.failWrites = true;
        assertAnswer("POST", "/switchover", "{\"leader\":\"pg0\"}", 503, "failed to write failover key into DCS");
    }

    @Test
    void restartValidation() throws Exception {
        assertAnswer("POST", "/restart", "{\"foo\":1}", 400, "Unknown filter for the scheduled restart: foo");
        assertAnswer("POST", "/restart", "{\"role\":\"master\"}", 400,
                "PostgreSQL role should be either primary, standby_leader, or replica");
        assertAnswer("POST", "/restart", "{\"timeout\":0}", 400, "Timeout should be a positive number of seconds");
        assertAnswer("POST", "/restart", "{\"postgres_version\":\"9.6\"}", 400, "Invalid PostgreSQL version format");
        assertAnswer("POST", "/restart", "{\"schedule\":\"2020-01-01T00:00:00Z\"}", 422,
                "Cannot schedule restart in the past");
        assertAnswer("POST", "/restart", "{\"role\":\"replica\"}", 503, "restart conditions are not satisfied");
        assertAnswer("POST", "/restart", "{\"postgres_version\":\"15.4\"}", 503, "restart conditions are not");
        assertAnswer("POST", "/restart", "{\"restart_pending\":true}", 503, "restart conditions are not satisfied");
        assertThat(f.control.calls).doesNotContain("requestRestart");
        assertAnswer("POST", "/restart", "{\"role\":\"primary\",\"postgres_version\":\"15.5\",\"timeout\":\"30s\"}",
                200, "restarted successfully");
        assertThat(f.control.lastRestart.timeoutSeconds()).isEqualTo(30);
        assertAnswer("POST", "/restart", null, 200, "restarted successfully");
        f.control.restartResult = new NodeControl.RestartResult(false, "restart already in progress");
        assertAnswer("POST", "/restart", "{}", 503, "restart already in progress");
        f.control.restartResult = new NodeControl.RestartResult(true, "restarted successfully");
    }

    @Test
    void scheduledRestart() throws Exception {
        assertAnswer("DELETE", "/restart", null, 404, "no restarts are scheduled");
        assertAnswer("POST", "/restart", "{\"schedule\":\"2030-01-01T00:00:00+00:00\",\"role\":\"primary\"}", 202,
                "Restart scheduled");
        assertAnswer("POST", "/restart", "{\"schedule\":\"2030-01-01T00:00:00+00:00\"}", 409,
                "Another restart is already scheduled");
        assertAnswer("DELETE", "/restart", null, 200, "scheduled restart deleted");
        f.status.set(NodeStatus.builder("batman", "pg0").paused(true).build());
        assertAnswer("POST", "/restart", "{\"schedule\":\"2030-01-01T00:00:00+00:00\"}", 500,
                "Can't schedule restart in the paused state");
    }

    @Test
    void reloadAndReinitialize() throws Exception {
        assertAnswer("POST", "/reload", null, 202, "reload scheduled");
        assertThat(f.control.calls).contains("requestReload");
        assertAnswer("POST", "/reinitialize", "{\"force\":true}", 200, "reinitialize started");
        assertThat(f.control.calls).contains("requestReinitialize true false");
        f.control.reinitError = "I am the leader, can not reinitialize";
        assertAnswer("POST", "/reinitialize", null, 503, "I am the leader, can not reinitialize");
    }

    @Test
    void unknownMethodsAre501() throws Exception {
        assertAnswer("POST", "/unknown", "{}", 501, "Unsupported method ('POST')");
        assertAnswer("DELETE", "/config", null, 501, "Unsupported method");
        assertAnswer("PUT", "/patroni", "{}", 501, "Unsupported method");
        assertThat(f.raw("BREW /pot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 501");
    }

    @Test
    void basicAuthOnUnsafeEndpoints() throws Exception {
        try (RestFixture secured = new RestFixture("admin", "s3cret")) {
            assertThat(secured.send("POST", "/reload", null).statusCode()).isEqualTo(202);
            secured.authorization = null;
            HttpResponse<String> none = secured.send("POST", "/reload", null);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.body()).isEqualTo("no auth header received");
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"Patroni\"");
            secured.authorization = "Basic " + java.util.Base64.getEncoder().encodeToString("admin:wrong".getBytes());
            HttpResponse<String> wrong = secured.send("PATCH", "/config", "{\"ttl\":1}");
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(wrong.body()).isEqualTo("not authenticated");
            assertThat(secured.control.calls).noneMatch(c -> c.startsWith("patchConfig"));
            assertThat(secured.code("/primary")).isEqualTo(200); // GET stays open
        }
    }
}
