package dev.regent.it;

import static dev.regent.it.ClusterEndToEndTest.exec;
import static dev.regent.it.ClusterEndToEndTest.queryOrNull;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.model.ClusterView;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * DCS failsafe mode ({@code failsafe_mode: true}) end to end: a real etcd frozen with SIGSTOP and killed outright
 * under three Regent daemons and three PostgreSQL 15 servers. One cluster; the scenarios run in order and shrink the
 * {@code /failsafe} topology from three members to two to one (a member leaves it when its key expires). Each checks
 * that the primary keeps accepting writes without the DCS while every other member of {@code /failsafe} accepts its
 * {@code POST /failsafe}, that the replicas keep following it and nobody is promoted when the DCS returns (same
 * leader, same timeline), and that the primary demotes when a member does not answer.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailsafeEndToEndTest {
    private static final int TTL = 20;
    private static final int LOOP_WAIT = 2;
    private static final int RETRY_TIMEOUT = 4;
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalCluster cluster;
    private static int rows;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.start(3, TTL, LOOP_WAIT, RETRY_TIMEOUT);
        cluster.awaitHealthy(HEALTHY);
        HttpResponse<String> patch = cluster.rest(0, "PATCH", "/config", "{\"failsafe_mode\":true}");
        assertThat(patch.statusCode()).as(patch.body()).isEqualTo(200);
        exec(cluster.primaryJdbcUrl(), "CREATE TABLE failsafe_writes (n int primary key)");
    }

    /** A failed test leaves the store frozen or killed: the next tests need it back whatever happened. */
    @AfterEach
    void storeBackUp() {
        if (cluster == null || cluster.etcd() == null) return;
        if (cluster.etcd().isRunning()) {
            cluster.etcd().thaw();
        } else {
            cluster.etcd().restart();
        }
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            if (cluster.etcd().isRunning()) cluster.etcd().thaw();
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void threeMembersKeepThePrimaryWritableWhileEtcdIsFrozenLongerThanTtl() throws Exception {
        ClusterView before = awaitTopology(Set.of("node0", "node1", "node2"));
        String leader = before.leader().name();
        int li = cluster.index(leader);
        String timeline = timeline(li);
        JsonNode topology = JSON.readTree(cluster.rest(li, "GET", "/failsafe", null).body());
        assertThat(topology.size()).as("GET /failsafe: " + topology).isEqualTo(3);

        cluster.etcd().freeze();
        writeFor(li, Duration.ofSeconds(TTL + 6), () -> {
            for (int i = 0; i < 3; i++) {
                if (i != li) assertThat(queryOrNull(cluster.jdbcUrl(i), "SELECT pg_is_in_recovery()"))
                        .as("node%d still a replica", i).isEqualTo("t");
            }
        });
        for (int i = 0; i < 3; i++) {
            JsonNode p = patroni(i);
            assertThat(p.path("failsafe_mode_is_active").asBoolean()).as("node%d failsafe_mode_is_active: %s", i, p)
                    .isTrue();
        }
        assertThat(metric(li, "patroni_failsafe_mode_is_active")).isEqualTo("1");
        assertThat(cluster.rest(li, "GET", "/primary", null).statusCode()).as("GET /primary in failsafe").isEqualTo(200);
        cluster.etcd().thaw();

        ClusterView after = cluster.awaitHealthy(HEALTHY);
        assertThat(after.leader().name()).as("nobody was promoted").isEqualTo(leader);
        assertThat(timeline(li)).as("timeline of " + leader).isEqualTo(timeline);
        assertThat(log(li)).contains("continue to run as a leader because failsafe mode is enabled and all members are"
                + " accessible").doesNotContain("demoting self because DCS is not accessible");
        awaitTrue("failsafe no longer active on " + leader, Duration.ofSeconds(30),
                () -> !patroni(li).path("failsafe_mode_is_active").asBoolean());
        assertAllRowsReplicated();
    }

    @Test
    @Order(2)
    void threeMembersKeepThePrimaryWritableWhileEtcdIsKilledOutright() throws Exception {
        ClusterView before = cluster.awaitHealthy(HEALTHY);
        String leader = before.leader().name();
        int li = cluster.index(leader);
        String timeline = timeline(li);

        cluster.etcd().kill();
        writeFor(li, Duration.ofSeconds(3L * RETRY_TIMEOUT), () -> { });
        JsonNode p = patroni(li);
        assertThat(p.path("failsafe_mode_is_active").asBoolean()).as("GET /patroni on %s: %s", leader, p).isTrue();
        cluster.etcd().restart();

        ClusterView after = cluster.awaitHealthy(HEALTHY);
        assertThat(after.leader().name()).as("nobody was promoted").isEqualTo(leader);
        assertThat(timeline(li)).isEqualTo(timeline);
        assertAllRowsReplicated();
    }

    @Test
    @Order(3)
    void twoMembersKeepThePrimaryWritableAndItDemotesWhenTheOtherStopsAnswering() throws Exception {
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        String leader = c.leader().name();
        int li = cluster.index(leader);
        List<Integer> replicas = replicas(li);
        int gone = replicas.get(0);
        int other = replicas.get(1);
        cluster.node(gone).stop();  // clean shutdown: postgres stops, the member key expires after ttl
        awaitTopology(Set.of(leader, "node" + other));

        cluster.etcd().freeze();
        writeFor(li, Duration.ofSeconds(2L * RETRY_TIMEOUT), () -> { });
        assertThat(patroni(li).path("failsafe_mode_is_active").asBoolean()).isTrue();
        // the only other member of /failsafe stops answering POST /failsafe: the primary must demote
        cluster.node(other).kill9();
        awaitTrue(leader + " demoted", Duration.ofSeconds(40),
                () -> "t".equals(queryOrNull(cluster.jdbcUrl(li), "SELECT pg_is_in_recovery()")));
        assertThat(log(li)).contains("demoting self because DCS is not accessible and I was a leader");
        cluster.etcd().thaw();

        cluster.node(other).start();
        cluster.node(gone).start();
        cluster.awaitHealthy(HEALTHY);
        awaitTrue("a writable primary again", HEALTHY, () -> {
            try {
                exec(cluster.primaryJdbcUrl(), "INSERT INTO failsafe_writes VALUES (" + (++rows) + ")");
                return true;
            } catch (SQLException | RuntimeException e) {
                rows--;
                return false;
            }
        });
        assertAllRowsReplicated();
    }

    @Test
    @Order(4)
    void aSingleMemberTopologyNeedsNoAnswer() throws Exception {
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        String leader = c.leader().name();
        int li = cluster.index(leader);
        String timeline = timeline(li);
        for (int r : replicas(li)) cluster.node(r).stop();
        awaitTopology(Set.of(leader));

        cluster.etcd().freeze();
        writeFor(li, Duration.ofSeconds(2L * RETRY_TIMEOUT), () -> { });
        assertThat(patroni(li).path("failsafe_mode_is_active").asBoolean()).isTrue();
        cluster.etcd().thaw();
        ClusterView after = cluster.await("the lock held again", HEALTHY, v -> v.isLeader(leader));
        assertThat(after.leader().name()).isEqualTo(leader);
        assertThat(timeline(li)).isEqualTo(timeline);
    }

    /**
     * The watchdog on the same cluster (no watchdog device or softdog here, see WatchdogTest): a replica with
     * {@code watchdog.mode: required} on a missing device never takes the lock, while one with Patroni's testing
     * driver on a FIFO wins the race, feeds its watchdog every cycle and closes it with the magic character when a
     * reload turns the watchdog off.
     */
    @Test
    @Order(5)
    void aRequiredWatchdogKeepsAnUnusableNodeOutOfTheRaceAndRunsWhileATestingOneLeads() throws Exception {
        ClusterView c = cluster.await("a leader", HEALTHY, v -> v.leader() != null);
        int li = cluster.index(c.leader().name());
        List<Integer> others = replicas(li);
        int unusable = others.get(0);
        int testing = others.get(1);
        java.nio.file.Path fifo = cluster.dir().resolve("watchdog.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor() == 0).as("mkfifo").isTrue();
        StringBuffer bytes = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (java.io.InputStream in = Files.newInputStream(fifo)) {
                for (int b; (b = in.read()) != -1; ) bytes.append((char) b);
            } catch (java.io.IOException ignored) {
                // the test is over
            }
        });
        reader.setDaemon(true);
        reader.start();
        appendYaml(unusable, "watchdog:\n  mode: required\n  device: " + cluster.dir().resolve("no-watchdog") + "\n");
        appendYaml(testing, "watchdog:\n  mode: require\n  driver: testing\n  device: " + fifo + "\n");
        cluster.node(unusable).start();
        cluster.node(testing).start();
        String a = "node" + unusable;
        String b = "node" + testing;
        cluster.await(a + " and " + b + " running", HEALTHY, v -> v.member(a).map(m -> m.isRunning()).orElse(false)
                && v.member(b).map(m -> m.isRunning()).orElse(false));
        awaitTrue(a + " reports watchdog_failed", Duration.ofSeconds(30),
                () -> patroni(unusable).path("watchdog_failed").asBoolean());
        assertThat(patroni(testing).has("watchdog_failed")).isFalse();

        awaitTopology(Set.of(c.leader().name(), a, b));  // both can race once the leader published them
        cluster.node(li).stop();  // releases the lock: the race is between a and b
        ClusterView after = cluster.await(b + " leads", HEALTHY, v -> v.isLeader(b));
        assertThat(after.leader().name()).isEqualTo(b);
        assertThat(log(unusable)).contains("Watchdog device is not usable");
        awaitTrue("keepalives on the FIFO", Duration.ofSeconds(30), () -> bytes.toString().startsWith("11"));
        assertThat(log(testing)).contains("Testing watchdog device at " + fifo + " activated with 15 second timeout");

        // mode off by POST /reload: the running watchdog is closed at once (Patroni's reload_config), b leads on
        java.nio.file.Path conf = cluster.dir().resolve("node" + testing + ".yml");
        Files.writeString(conf, Files.readString(conf).replace("  mode: require\n  driver: testing",
                "  mode: off\n  driver: testing"));
        assertThat(cluster.rest(testing, "POST", "/reload", null).statusCode()).isEqualTo(202);
        awaitTrue("the magic close on reload", Duration.ofSeconds(30), () -> bytes.toString().endsWith("V"));
        assertThat(log(testing)).contains("watchdog turned off by the reloaded configuration");
        assertThat(cluster.cluster().isLeader(b)).as(b + " leads on without a watchdog").isTrue();

        cluster.node(testing).stop();
        reader.join(30_000);
        assertThat(bytes.toString()).as("keepalives, the magic close at the reload, nothing after").matches("1+V");
        // alone, the node without a usable watchdog stays a replica and takes no lock
        long until = System.nanoTime() + Duration.ofSeconds(4L * LOOP_WAIT).toNanos();
        while (System.nanoTime() < until) {
            assertThat(cluster.cluster().isLeader(a)).as(a + " took the lock").isFalse();
            Thread.sleep(500);
        }
        assertThat(queryOrNull(cluster.jdbcUrl(unusable), "SELECT pg_is_in_recovery()")).isEqualTo("t");
    }

    private static void appendYaml(int node, String yaml) throws Exception {
        java.nio.file.Path f = cluster.dir().resolve("node" + node + ".yml");
        Files.writeString(f, Files.readString(f) + yaml);
    }

    // ---- helpers ----

    interface Check {
        boolean ok() throws Exception;
    }

    interface Step {
        void run() throws Exception;
    }

    /** Insert a row into the primary every 300 ms for {@code d}; every insert must succeed. Then run {@code end}. */
    private static void writeFor(int li, Duration d, Step end) throws Exception {
        long until = System.nanoTime() + d.toNanos();
        int written = 0;
        while (System.nanoTime() < until) {
            int n = ++rows;
            try {
                exec(cluster.jdbcUrl(li), "INSERT INTO failsafe_writes VALUES (" + n + ")");
            } catch (SQLException e) {
                throw new AssertionError("write " + n + " refused by node" + li + " after " + written + " writes: " + e
                        + "\n" + cluster.logs(), e);
            }
            written++;
            Thread.sleep(300);
        }
        assertThat(queryOrNull(cluster.jdbcUrl(li), "SELECT pg_is_in_recovery()")).isEqualTo("f");
        end.run();
    }

    /** The leader's /failsafe names exactly {@code members} (read through the DCS). */
    private static ClusterView awaitTopology(Set<String> members) {
        return cluster.await("/failsafe = " + members, Duration.ofSeconds(TTL * 3L),
                v -> v.leader() != null && v.failsafe() != null && v.failsafe().keySet().equals(members));
    }

    /** Every row written so far reached every running replica. */
    private static void assertAllRowsReplicated() throws Exception {
        String expected = Integer.toString(rows);
        for (int i = 0; i < 3; i++) {
            if (!cluster.node(i).isAlive()) continue;
            int node = i;
            awaitTrue("node" + i + " has all " + rows + " rows", Duration.ofSeconds(60),
                    () -> expected.equals(queryOrNull(cluster.jdbcUrl(node), "SELECT count(*) FROM failsafe_writes")));
        }
    }

    private static List<Integer> replicas(int leaderIndex) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) if (i != leaderIndex) out.add(i);
        return out;
    }

    private static String timeline(int i) {
        return queryOrNull(cluster.jdbcUrl(i), "SELECT timeline_id FROM pg_control_checkpoint()");
    }

    private static JsonNode patroni(int node) throws Exception {
        HttpResponse<String> r = cluster.rest(node, "GET", "/patroni", null);
        assertThat(r.statusCode()).as("GET /patroni on node%d: %s", node, r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static String metric(int node, String name) {
        String body = cluster.rest(node, "GET", "/metrics", null).body();
        return body.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1)).findFirst().orElse(null);
    }

    private static String log(int i) throws Exception {
        return Files.readString(cluster.node(i).log());
    }

    private static void awaitTrue(String what, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) return;
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting for " + what + "\n" + cluster.logs());
    }
}
