package dev.regent.it;

import static dev.regent.it.ClusterEndToEndTest.exec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.model.ClusterView;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Behaviours where Regent must do what Patroni 4 does (issue 8), on one real etcd and two Regent daemons with real
 * PostgreSQL 15. {@code loop_wait} is 10 s so that "at once" and "at the next cycle" are told apart by the REST
 * state, not by timing a cycle. The tests share the cluster and run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PatroniBehavioursEndToEndTest {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalCluster cluster;

    @BeforeAll
    static void layOut() throws Exception {
        cluster = LocalCluster.create(2, 30, 10, 4);
        // node1 carries every predefined tag as false plus one custom tag (patroni_api.feature #2/#3)
        Path cfg1 = config(1);
        Files.writeString(cfg1, Files.readString(cfg1) + "tags:\n  nofailover: false\n  noloadbalance: false\n"
                + "  clonefrom: false\n  nosync: false\n  nostream: false\n  new_tag: new_value\n");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    private static Path config(int i) {
        return cluster.dir().resolve("node" + i + ".yml");
    }

    @Test
    @Order(1)
    void failedBootstrapExitsAndLetsAnotherNodeBootstrap() throws Exception {
        Path script = cluster.dir().resolve("fail_post_bootstrap.sh");
        Files.writeString(script, "#!/bin/sh\necho 'post_bootstrap fails on purpose'\nexit 1\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        String original = Files.readString(config(0));
        Files.writeString(config(0),
                original.replace("bootstrap:\n", "bootstrap:\n  post_bootstrap: " + script + "\n"));

        RegentNode node0 = cluster.node(0);
        node0.start();
        assertThat(node0.awaitExit(Duration.ofSeconds(120))).as("node0 exits\n" + node0.tail(40)).isTrue();
        assertThat(node0.exitCode()).as(node0.tail(40)).isNotZero();
        String log = Files.readString(node0.log());
        assertThat(log).contains("INFO: removing initialize key after failed attempt to bootstrap the cluster")
                .contains("CRITICAL: Failed to bootstrap cluster")
                .doesNotContain("INFO: Failed to bootstrap cluster")
                .doesNotContain("waiting for leader to bootstrap");
        ClusterView c = cluster.cluster();
        assertThat(c.initialize()).as("the initialize key is gone").isNull();
        assertThat(c.leader()).isNull();
        Path dataDir = cluster.layout().dataDir(0);
        assertThat(dataDir.resolveSibling(dataDir.getFileName() + ".failed")).isDirectory();

        // another member now races for initialize and bootstraps the cluster; node0 (fixed) then joins it
        Files.writeString(config(0), original);
        cluster.node(1).start();
        assertThat(cluster.leaderName(Duration.ofSeconds(90))).isEqualTo("node1");
        node0.start();
        ClusterView healthy = cluster.awaitHealthy(HEALTHY);
        assertThat(healthy.initialize()).matches("\\d+");
    }

    @Test
    @Order(2)
    void publishedTagsAreOnlyTrueBuiltInsAndCustomTags() throws Exception {
        JsonNode patroni = JSON.readTree(cluster.rest(1, "GET", "/patroni", null).body());
        assertThat(JSON.convertValue(patroni.get("tags"), Map.class)).isEqualTo(Map.of("new_tag", "new_value"));
        assertThat(cluster.cluster().member("node1").orElseThrow().data().tags())
                .isEqualTo(Map.of("new_tag", "new_value"));
        assertThat(JSON.readTree(cluster.rest(0, "GET", "/patroni", null).body()).has("tags")).isFalse();
    }

    @Test
    @Order(3)
    void aSecondNodeWithTheSameNameRefusesToStartAtCritical() throws Exception {
        Path dup = cluster.dir().resolve("node1-duplicate.yml");
        int port = cluster.layout().restPort(1);
        Files.writeString(dup, Files.readString(config(1)).replace("127.0.0.1:" + port, "127.0.0.1:" + (port + 100)));
        RegentNode twin = new RegentNode("node1", dup, cluster.dir().resolve("duplicate.log"));
        twin.start();
        assertThat(twin.awaitExit(Duration.ofSeconds(60))).as(twin.tail(20)).isTrue();
        assertThat(twin.exitCode()).isEqualTo(1);
        assertThat(Files.readString(twin.log()))
                .contains("CRITICAL: Can't start; there is already a node named 'node1' running");
        assertThat(cluster.cluster().leader().name()).isEqualTo("node1");
    }

    @Test
    @Order(4)
    void restStatusFollowsAKilledReplicaAtOnceInPause() throws Exception {
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        int replica = c.leader().name().equals("node0") ? 1 : 0;
        assertThat(cluster.rest(0, "PATCH", "/config", "{\"pause\": true}").statusCode()).isEqualTo(200);
        ClusterEndToEndTest.awaitTrue("both nodes paused", Duration.ofSeconds(30),
                () -> paused(0) && paused(1));
        assertThat(cluster.rest(replica, "GET", "/replica", null).statusCode()).isEqualTo(200);

        cluster.killPostmaster(replica);
        long killed = System.nanoTime();
        ClusterEndToEndTest.awaitTrue("GET /replica 503 on the killed replica", Duration.ofSeconds(30),
                () -> cluster.rest(replica, "GET", "/replica", null).statusCode() == 503);
        long millis = (System.nanoTime() - killed) / 1_000_000;
        String state = state(replica, "/replica");
        assertThat(state).isIn("stopped", "crashed");
        // loop_wait is 10 s: the state must come from the postmaster watch, not from the next cycle
        assertThat(millis).as("ms until /replica answered 503").isLessThan(3000);

        assertThat(cluster.rest(0, "PATCH", "/config", "{\"pause\": null}").statusCode()).isEqualTo(200);
        cluster.awaitHealthy(HEALTHY);
    }

    @Test
    @Order(5)
    void restStatusIsRunningAsSoonAsTheRestartedLeaderAcceptsWrites() throws Exception {
        String leader = cluster.awaitHealthy(HEALTHY).leader().name();
        int li = cluster.index(leader);
        long oldPid = cluster.postmasterPid(li);
        int logBefore = Files.readString(cluster.node(leader).log()).length();
        cluster.killPostmaster(li);
        ClusterEndToEndTest.awaitTrue("the leader's postgres accepts writes again", Duration.ofSeconds(60), () -> {
            try {
                exec(cluster.jdbcUrl(li), "CREATE TABLE IF NOT EXISTS restart_check (v int);"
                        + " INSERT INTO restart_check VALUES (1)");
                return true;
            } catch (SQLException e) {
                return false;
            }
        });
        long writable = System.nanoTime();
        ClusterEndToEndTest.awaitTrue("GET / 200 running on the restarted leader", Duration.ofSeconds(30),
                () -> cluster.rest(li, "GET", "/", null).statusCode() == 200);
        long millis = (System.nanoTime() - writable) / 1_000_000;
        assertThat(state(li, "/")).isEqualTo("running");
        assertThat(millis).as("ms from accepting writes to GET / 200 (loop_wait is 10 s)").isLessThan(3000);
        assertThat(cluster.postmasterPid(li)).isNotEqualTo(oldPid);
        assertThat(cluster.cluster().leader().name()).as("restarted in place").isEqualTo(leader);
        // the first cycle after the start sees the running server (the kept SQL connection to the killed one is
        // replaced at once), never a primary "still starting up"
        String restart = Files.readString(cluster.node(leader).log()).substring(logBefore);
        assertThat(restart).contains("starting primary after failure").doesNotContain("still starting up");
    }

    @Test
    @Order(6)
    void masterStartTimeoutZeroFailsOverToTheHealthyReplicaAtOnce() throws Exception {
        ClusterView before = cluster.awaitHealthy(HEALTHY);
        String oldLeader = before.leader().name();
        String replica = oldLeader.equals("node0") ? "node1" : "node0";
        // the legacy name, as recovery.feature #2 sets it (primary_start_timeout is absent from /config)
        assertThat(cluster.rest(0, "PATCH", "/config", "{\"master_start_timeout\": 0}").statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(cluster.rest(0, "GET", "/config", null).body()).path("master_start_timeout").asInt(-1))
                .isZero();
        int replicaLogBefore = Files.readString(cluster.node(replica).log()).length();
        cluster.killPostmaster(cluster.index(oldLeader));
        ClusterView after = cluster.await("the replica takes the lock", Duration.ofSeconds(40),
                c -> c.leader() != null && c.leader().name().equals(replica));
        assertThat(after.leader().name()).isEqualTo(replica);
        // at once: the replica wins its first race (the stopped former primary is not "still alive")
        String race = Files.readString(cluster.node(replica).log()).substring(replicaLogBefore);
        assertThat(race).contains("promoted self to leader by acquiring session lock")
                .doesNotContain("is still alive").doesNotContain("i am not the healthiest node");
        String log = Files.readString(cluster.node(oldLeader).log());
        assertThat(log).contains("INFO: Primary crashed. Failing over.")
                .contains("stopped PostgreSQL to fail over after a crash");
        assertThat(log.substring(log.lastIndexOf("Primary crashed. Failing over.")))
                .doesNotContain("starting primary after failure");
        cluster.awaitHealthy(HEALTHY);
        assertThat(cluster.rest(0, "PATCH", "/config", "{\"master_start_timeout\": null}").statusCode())
                .isEqualTo(200);
    }

    private static boolean paused(int node) throws Exception {
        return JSON.readTree(cluster.rest(node, "GET", "/patroni", null).body()).path("pause").asBoolean(false);
    }

    private static String state(int node, String path) throws Exception {
        HttpResponse<String> r = cluster.rest(node, "GET", path, null);
        return JSON.readTree(r.body()).path("state").asText();
    }
}
