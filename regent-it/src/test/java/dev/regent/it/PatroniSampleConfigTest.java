package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.regent.core.model.ClusterView;
import dev.regent.daemon.demo.Demo;
import dev.regent.daemon.wiring.DcsStores;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.PatroniDcs;
import dev.regent.testkit.EtcdProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A 3-node Regent cluster run from Patroni's own sample configurations (Debian's {@code patroni} package:
 * {@code postgres0.yml.gz}, {@code postgres1.yml.gz}, {@code postgres2.yml}), changed only by {@link SampleConfigs}'
 * visible rewrite of ports, directories, {@code pgpass} paths and the store section. Everything else is Patroni's:
 * scope {@code batman}, names {@code postgresql0..2}, ttl 30 / loop_wait 10, {@code bootstrap.users}, the REST
 * authentication of postgresql2, the basebackup options of postgresql1, and postgresql2's tag
 * {@code replicatefrom: postgres1}, a member that does not exist (the sample's names are postgresql0..2).
 */
class PatroniSampleConfigTest {
    private static final String SCOPE = "batman";
    private static final List<Integer> SAMPLE_PORTS = List.of(8008, 8009, 8010, 5432, 5433, 5434);
    private static Path dir;
    private static EtcdProcess etcd;
    private static PatroniDcs observer;
    private static final List<RegentNode> NODES = new ArrayList<>();
    private static final Map<Integer, Integer> PORTS = new LinkedHashMap<>();
    private static String killed = "";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void writeConfigs() throws Exception {
        assumeTrue(SampleConfigs.available(), "Debian's patroni package (its examples) is not installed");
        dir = Files.createTempDirectory("regent-samples-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        etcd = EtcdProcess.start();
        Set<Integer> taken = new HashSet<>();
        for (int sample : SAMPLE_PORTS) PORTS.put(sample, freePort(taken));
        // data_dir: data/postgresqlN and unix_socket_directories: '..' (the parent of data_dir): data/ is postgres'
        Path data = Files.createDirectories(dir.resolve("data"));
        FeatureSteps.chownToPostgres(data);
        SampleConfigs.Target target = new SampleConfigs.Target(PORTS, dir, etcd.hostPort());
        for (int n = 0; n < 3; n++) {
            SampleConfigs.Rewritten r = SampleConfigs.rewrite(SampleConfigs.load(n), target);
            System.out.println("postgres" + n + ".yml: replaced lines\n" + String.join("\n",
                    r.replaced().stream().map(Object::toString).toList()));
            assertRewriteIsSmall(SampleConfigs.load(n), r);
            Path cfg = dir.resolve("postgres" + n + ".yml");
            Files.writeString(cfg, r.yaml());
            NODES.add(new RegentNode("postgresql" + n, cfg, dir.resolve("postgresql" + n + ".log")));
        }
        observer = new PatroniDcs(DcsStores.open("etcd3", Map.of("hosts", etcd.hostPort()), Duration.ofSeconds(30),
                Duration.ofSeconds(10)), "/service", SCOPE, "sample-observer");
    }

    /** Only ports, data_dir, pgpass and the etcd section may change: 4 addresses, 2 paths, 2 store lines. */
    private static void assertRewriteIsSmall(String original, SampleConfigs.Rewritten r) {
        assertThat(r.replaced()).hasSize(8);
        assertThat(r.replaced()).allMatch(x -> x.before().matches(
                "^(etcd:|  host: 127\\.0\\.0\\.1:2379|  (listen|connect_address): 127\\.0\\.0\\.1:\\d+"
                        + "|  data_dir: data/postgresql\\d|  pgpass: /tmp/pgpass\\d)$"), "only the rewritable lines");
        String[] before = original.split("\n", -1);
        String[] after = r.yaml().split("\n", -1);
        assertThat(after).hasSameSizeAs(before);
        Set<Integer> changed = new HashSet<>();
        for (int i = 0; i < before.length; i++) if (!before[i].equals(after[i])) changed.add(i + 1);
        assertThat(changed).containsExactlyInAnyOrderElementsOf(r.replaced().stream()
                .map(SampleConfigs.Replacement::line).toList());
    }

    @AfterAll
    static void tearDown() {
        NODES.forEach(RegentNode::requestStop);
        for (RegentNode n : NODES) {
            try {
                n.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int n = 0; n < NODES.size(); n++) {
            try {
                killPostmaster(n);
            } catch (Exception e) {
                // nothing left to stop
            }
        }
        if (observer != null) observer.close();
        if (etcd != null) etcd.close();
        if (dir != null) {
            FeatureSteps.keepLogs(dir);
            LocalCluster.deleteRecursively(dir);
        }
    }

    @Test
    void runsFromPatronisSamplesReplicatesAndFailsOver() throws Exception {
        NODES.get(0).start();
        await("postgresql0 leads", Duration.ofSeconds(90), c -> c.isLeader("postgresql0"));
        NODES.get(1).start();
        NODES.get(2).start();
        ClusterView healthy = await("a healthy cluster", Duration.ofSeconds(120), c -> Demo.healthy(c, 3));
        assertThat(healthy.leader().name()).isEqualTo("postgresql0");

        // postgresql2 has replicatefrom: postgres1, a member that does not exist: it streams from the leader
        awaitTrue("postgresql1 and postgresql2 stream from the leader", Duration.ofSeconds(30),
                () -> "2".equals(query(0, "SELECT count(*) FROM pg_stat_replication WHERE application_name IN"
                        + " ('postgresql1', 'postgresql2') AND state = 'streaming'")));
        // GET /patroni shows only tags with a true value and custom ones: the samples' false nofailover,
        // noloadbalance, clonefrom, nosync are not shown (Patroni omits "tags" when none is left)
        SoftAssertions tags = new SoftAssertions();
        tags.assertThat(patroni(0).path("tags").isMissingNode()).as("postgresql0 GET /patroni tags: " + patroni(0))
                .isTrue();
        tags.assertThat(patroni(2).path("tags")).as("postgresql2 GET /patroni tags")
                .isEqualTo(FeatureSteps.JSON.valueToTree(Map.of("replicatefrom", "postgres1")));
        exec(0, "CREATE TABLE sample_check (v int); INSERT INTO sample_check VALUES (1)");
        for (int n = 1; n < 3; n++) {
            int node = n;
            awaitTrue("the row on postgresql" + n, Duration.ofSeconds(30),
                    () -> "1".equals(query(node, "SELECT count(*) FROM sample_check")));
        }

        // failover: the leader's host is lost (daemon and postgres killed); a replica takes over after the ttl
        killed = "postgresql0";
        NODES.get(0).kill9();
        killPostmaster(0);
        ClusterView after = await("a new leader", Duration.ofSeconds(90),
                c -> c.leader() != null && !c.isLeader("postgresql0"));
        int newLeader = Integer.parseInt(after.leader().name().substring("postgresql".length()));
        awaitTrue("writes on the new primary postgresql" + newLeader, Duration.ofSeconds(30), () -> {
            try {
                exec(newLeader, "INSERT INTO sample_check VALUES (2)");
                return true;
            } catch (SQLException e) {
                return false;
            }
        });
        int other = 3 - newLeader;
        awaitTrue("postgresql" + other + " follows the new primary", Duration.ofSeconds(60),
                () -> "2".equals(query(other, "SELECT count(*) FROM sample_check")));
        tags.assertAll();
    }

    private static com.fasterxml.jackson.databind.JsonNode patroni(int n) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORTS.get(8008 + n)
                + "/patroni")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return FeatureSteps.JSON.readTree(r.body());
    }

    private static ClusterView await(String what, Duration timeout, Predicate<ClusterView> condition)
            throws Exception {
        ClusterView[] last = {null};
        awaitTrue(what, timeout, () -> {
            for (RegentNode n : NODES) {
                if (n.wasStarted() && !n.isAlive() && !n.name().equals(killed)) {
                    throw new AssertionError(n.name() + " exited while waiting for " + what + ":\n" + n.tail(40));
                }
            }
            try {
                last[0] = observer.load();
                return condition.test(last[0]);
            } catch (DcsException e) {
                return false;
            }
        });
        return last[0];
    }

    private static void awaitTrue(String what, Duration timeout, FeatureSteps.Check check) throws Exception {
        FeatureSteps.poll(what, timeout, check, PatroniSampleConfigTest::logs);
    }

    private static String logs() {
        StringBuilder sb = new StringBuilder();
        for (RegentNode n : NODES) sb.append("\n---- ").append(n.name()).append('\n').append(n.tail(40));
        return sb.toString();
    }

    private static String url(int n) {
        return "jdbc:postgresql://127.0.0.1:" + PORTS.get(5432 + n) + "/postgres?connectTimeout=3";
    }

    /** As the samples' superuser (postgres / zalando). */
    private static void exec(int n, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url(n), "postgres", "zalando");
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String query(int n, String sql) {
        try (Connection c = DriverManager.getConnection(url(n), "postgres", "zalando");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            return null;
        }
    }

    private static void killPostmaster(int n) throws IOException, InterruptedException {
        Path pidFile = dir.resolve("data").resolve("postgresql" + n).resolve("postmaster.pid");
        if (!Files.exists(pidFile)) return;
        String pid = Files.readAllLines(pidFile).get(0).trim();
        new ProcessBuilder("kill", "-9", pid).start().waitFor();
    }

    private static int freePort(Set<Integer> taken) {
        int port = dev.regent.testkit.FreePorts.one();
        taken.add(port);
        return port;
    }
}
