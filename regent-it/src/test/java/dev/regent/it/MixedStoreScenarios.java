package dev.regent.it;

import static dev.regent.it.ClusterEndToEndTest.exec;
import static dev.regent.it.ClusterEndToEndTest.queryOrNull;
import static dev.regent.it.InteropSupport.healthy;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regent.core.model.ClusterView;
import dev.regent.ctl.RegentCtl;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The migration path every DCS store runs: ONE cluster (same scope and namespace, one store) managed by a real
 * Patroni 3.0.2 node (node0, Debian's package) and two Regent nodes (node1, node2), each with a real PostgreSQL 15.
 * Patroni bootstraps; the Regent nodes join by basebackup; Debian's patronictl and regentctl read the same cluster
 * from the store; {@code GET /cluster} of both implementations agrees; switchovers and failovers both ways; neither
 * side logs a rejected key. Scenarios share the cluster and run in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class MixedStoreScenarios {
    static final Duration HEALTHY = Duration.ofSeconds(120);

    protected LocalCluster cluster;
    private PatroniNode patroni;

    /** Starts the store and creates (does not start) a 3-node cluster on it with ttl 20, loop_wait 2, retry 4. */
    protected abstract LocalCluster create() throws Exception;

    /** Stops what {@link #create} started besides the cluster; the cluster is closed first. */
    protected void closeStore() throws Exception {}

    /** A short name for messages and the log directory, e.g. {@code zookeeper}. */
    protected abstract String storeName();

    /** Debian's patronictl configured for this store. */
    protected abstract PatroniCtl patronictl();

    /** The {@code -d} value with which regentctl reads the cluster from the store. */
    protected abstract String regentctlDcs();

    /** What the store must show of Patroni's leader lock (a TTL, an ephemeral node, a session). */
    protected abstract void assertPatroniLeaderLock(ClusterView c);

    @BeforeAll
    void start() throws Exception {
        cluster = create();
        patroni = PatroniNode.create("node0", Files.readString(cluster.dir().resolve("node0.yml")),
                cluster.dir().resolve("node0"));
        patroni.start();
        await("Patroni bootstraps the cluster on " + storeName(), c -> c.isLeader("node0") && c.isInitialized()
                && c.member("node0").map(m -> m.isRunning()).orElse(false));
        cluster.node(1).start();
        cluster.node(2).start();
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (patroni != null) patroni.stop();
            if (cluster != null) {
                keepLogs();
                cluster.close();
            }
        } finally {
            closeStore();
        }
    }

    /** Copy every node's log to target/STORE-mixed-cluster-logs (the cluster directory is deleted on close). */
    private void keepLogs() {
        try {
            Path out = Files.createDirectories(Path.of("target", storeName() + "-mixed-cluster-logs"));
            Files.copy(patroni.log(), out.resolve("node0-patroni.log"), StandardCopyOption.REPLACE_EXISTING);
            for (int i = 1; i < 3; i++) {
                Files.copy(cluster.node(i).log(), out.resolve("node" + i + "-regent.log"),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // diagnostics only
        }
    }

    @Test
    @Order(1)
    void regentNodesJoinThePatroniClusterAndPatronictlReadsIt() throws Exception {
        ClusterView c = await("two Regent replicas streaming from the Patroni leader", v -> healthy(v, 3)
                && v.isLeader("node0") && streaming(v, "node1") && streaming(v, "node2"));
        assertThat(c.member("node0").orElseThrow().data().version()).isEqualTo("3.0.2");
        assertPatroniLeaderLock(c);
        exec(cluster.jdbcUrl(0), "CREATE TABLE mixed (v text); INSERT INTO mixed VALUES ('from-patroni')");
        awaitRow("from-patroni", 1, 2);
        PatroniCtl patronictl = patronictl();
        InteropSupport.awaitTrue("patronictl lists three running members", Duration.ofSeconds(30),
                () -> patroni.tail(20), () -> {
                    Map<String, JsonNode> rows = InteropSupport.listJson(patronictl);
                    return rows.keySet().containsAll(List.of("node0", "node1", "node2"))
                            && rows.get("node0").path("Role").asText().equals("Leader")
                            && rows.get("node1").path("State").asText().matches("running|streaming");
                });
        // regentctl reads the Patroni-led cluster from the store as patronictl does: same members, roles, timelines
        Map<String, JsonNode> theirs = InteropSupport.listJson(patronictl);
        Map<String, JsonNode> ours = regentctlList();
        assertThat(ours.keySet()).isEqualTo(theirs.keySet());
        for (String member : theirs.keySet()) {
            for (String column : List.of("Host", "Role", "TL")) {
                assertThat(ours.get(member).path(column).asText()).as(member + " " + column)
                        .isEqualTo(theirs.get(member).path(column).asText());
            }
        }
    }

    @Test
    @Order(2)
    void switchoverFromPatroniToRegent() throws Exception {
        HttpResponse<String> r = cluster.rest(0, "POST", "/switchover",
                "{\"leader\":\"node0\",\"candidate\":\"node1\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("Successfully switched over to \"node1\"");
        await("node1 (Regent) leads, node0 (Patroni) follows", v -> v.isLeader("node1") && healthy(v, 3)
                && onTimeline(v, 2));
        exec(cluster.jdbcUrl(1), "INSERT INTO mixed VALUES ('from-regent')");
        awaitRow("from-regent", 0, 2);
        // GET /cluster on both implementations describes the same mixed cluster
        for (int node : new int[] {0, 1}) {
            JsonNode members = InteropSupport.JSON.readTree(cluster.rest(node, "GET", "/cluster", null).body())
                    .path("members");
            Map<String, JsonNode> byName = new HashMap<>();
            members.forEach(m -> byName.put(m.path("name").asText(), m));
            assertThat(byName.keySet()).as("node%d /cluster", node)
                    .containsExactlyInAnyOrder("node0", "node1", "node2");
            assertThat(byName.get("node1").path("role").asText()).isEqualTo("leader");
            assertThat(byName.get("node0").path("role").asText()).isEqualTo("replica");
            // a Patroni 3.0.2 member key has no replication_state, so its state is "running" in both
            assertThat(byName.get("node0").path("state").asText()).isEqualTo("running");
            assertThat(byName.get("node0").path("lag").isNumber()).as("node%d lag of node0", node).isTrue();
            assertThat(byName.get("node2").path("timeline").asInt()).isEqualTo(2);
        }
    }

    @Test
    @Order(3)
    void switchoverFromRegentToPatroni() throws Exception {
        HttpResponse<String> r = cluster.rest(1, "POST", "/switchover",
                "{\"leader\":\"node1\",\"candidate\":\"node0\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("Successfully switched over to \"node0\"");
        await("node0 (Patroni) leads again", v -> v.isLeader("node0") && healthy(v, 3) && onTimeline(v, 3));
        exec(cluster.jdbcUrl(0), "INSERT INTO mixed VALUES ('patroni-again')");
        awaitRow("patroni-again", 1, 2);
    }

    @Test
    @Order(4)
    void failoverWhenThePatroniLeaderDies() throws Exception {
        await("node0 leads", v -> v.isLeader("node0") && healthy(v, 3));
        patroni.kill9();
        cluster.killPostmaster(0);
        // Patroni's leader lock outlives the process until the store expires it after ttl
        ClusterView v = await("a Regent node takes over", c -> c.leader() != null && !c.isLeader("node0")
                && c.member(c.leader().name()).map(m -> m.isRunning() && "primary".equals(m.role())).orElse(false));
        String leader = v.leader().name();
        int li = cluster.index(leader);
        exec(cluster.jdbcUrl(li), "INSERT INTO mixed VALUES ('after-failover')");
        patroni.start();  // the old Patroni primary rejoins as a replica of the Regent leader
        await("the mixed cluster converges", c -> c.isLeader(leader) && healthy(c, 3) && onTimeline(c, 4));
        awaitRow("after-failover", 0, 3 - li);
    }

    @Test
    @Order(5)
    void failoverWhenTheRegentLeaderDies() throws Exception {
        ClusterView before = await("a Regent node leads", v -> v.leader() != null && !v.isLeader("node0")
                && healthy(v, 3));
        String dead = before.leader().name();
        int di = cluster.index(dead);
        cluster.node(di).kill9();
        cluster.killPostmaster(di);
        ClusterView v = await("node0 (Patroni) or the other Regent node takes over", c -> c.leader() != null
                && !c.isLeader(dead) && c.member(c.leader().name()).map(m -> m.isRunning()
                        && "primary".equals(m.data().normalizedRole())).orElse(false));
        String leader = v.leader().name();
        exec(cluster.jdbcUrl(cluster.index(leader)), "INSERT INTO mixed VALUES ('second-failover')");
        cluster.node(di).start();  // the old Regent primary rejoins as a replica (pg_rewind)
        await("the mixed cluster converges again", c -> c.isLeader(leader) && healthy(c, 3) && onTimeline(c, 5));
        awaitRow("second-failover", 0, 1, 2);
    }

    @Test
    @Order(6)
    void neitherSideRejectedTheOthersData() throws Exception {
        String patroniLog = withoutConnectionTracebacks(Files.readString(patroni.log()));
        assertThat(patroniLog).as("Patroni log (tracebacks of its own DCS connection left out)")
                .doesNotContain("Traceback").doesNotContain("Failed to parse").doesNotContain("Exception");
        for (int i = 1; i < 3; i++) {
            assertThat(Files.readString(cluster.node(i).log())).as("node%d Regent log", i)
                    .doesNotContain("Ignoring DCS key").doesNotContain("Exception");
        }
    }

    /**
     * {@code log} less the tracebacks that end in a DCS client's connection error. Patroni 3.0.2 logs such a traceback
     * when its HA loop reads the cluster while its own ZooKeeper client is being restarted (it restarts the client to
     * drop its ephemeral leader node when it demotes: kazoo's ConnectionClosedError, seen in a CI run): that is about
     * Patroni's connection, not about data Regent wrote, which is what this check is for.
     */
    static String withoutConnectionTracebacks(String log) {
        List<String> lines = log.lines().toList();
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < lines.size()) {
            if (!lines.get(i).startsWith("Traceback (most recent call last):")) {
                out.append(lines.get(i++)).append('\n');
                continue;
            }
            int end = i + 1;
            while (end < lines.size() && lines.get(end).startsWith(" ")) end++;
            String last = end < lines.size() ? lines.get(end) : "";
            boolean connection = last.matches("kazoo\\.exceptions\\.(ConnectionClosedError|ConnectionLoss|"
                    + "SessionExpiredError)\\b.*");
            if (connection) {
                i = end + 1;
            } else {
                out.append(lines.get(i++)).append('\n');
            }
        }
        return out.toString();
    }

    /** {@code regentctl -d ... list it -f json} in-process, rows by member name. */
    private Map<String, JsonNode> regentctlList() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = RegentCtl.run(new String[] {"-d", regentctlDcs(), "list", "it", "-f", "json"},
                new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("HOME", cluster.dir().toString()));
        assertThat(code).as(out + "\n" + err).isZero();
        Map<String, JsonNode> rows = new HashMap<>();
        InteropSupport.JSON.readTree(out.toString(StandardCharsets.UTF_8))
                .forEach(r -> rows.put(r.path("Member").asText(), r));
        return rows;
    }

    private static boolean streaming(ClusterView v, String name) {
        return v.member(name).map(m -> "streaming".equals(m.data().replicationState())).orElse(false);
    }

    private static boolean onTimeline(ClusterView v, int tl) {
        return v.members().stream().allMatch(m -> Integer.valueOf(tl).equals(m.data().timeline()));
    }

    protected ClusterView await(String what, Predicate<ClusterView> condition) {
        try {
            return cluster.await(what, HEALTHY, condition);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "---- patroni node0\n" + patroni.tail(60), e);
        }
    }

    private void awaitRow(String value, int... nodes) throws Exception {
        for (int n : nodes) {
            InteropSupport.awaitTrue("row '" + value + "' on node" + n, Duration.ofSeconds(30),
                    () -> cluster.logs() + "---- patroni node0\n" + patroni.tail(40),
                    () -> value.equals(queryOrNull(cluster.jdbcUrl(n),
                            "SELECT v FROM mixed WHERE v = '" + value + "'")));
        }
    }
}
