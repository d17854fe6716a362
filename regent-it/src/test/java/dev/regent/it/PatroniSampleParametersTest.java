package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.daemon.demo.Demo;
import dev.regent.daemon.wiring.DcsStores;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.PatroniDcs;
import dev.regent.testkit.EtcdProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Patroni's own sample configurations (Debian's patroni package) with every commented line under both
 * {@code parameters} blocks and under {@code recovery_conf} switched on, plus parameters PostgreSQL 15 no longer has
 * ({@code stats_temp_directory}, {@code checkpoint_segments}) and a misspelt one: three Regent nodes on PostgreSQL 15
 * come up healthy, each dropping those three with one WARNING apiece, and {@code wal_keep_segments: 8} becomes
 * {@code wal_keep_size = '128MB'}.
 */
class PatroniSampleParametersTest {
    private static final Duration HEALTHY = Duration.ofSeconds(240);
    /** Not in the samples: two GUCs PostgreSQL 15 no longer has (dynamic) and a misspelt one (local). */
    private static final List<String> GONE_IN_15 = List.of("stats_temp_directory: /var/run/postgresql/stats",
            "checkpoint_segments: 16");
    private static final List<String> MISSPELT = List.of("shard_buffers: 64MB");
    private static final List<String> DROPPED = List.of("stats_temp_directory", "checkpoint_segments",
            "shard_buffers");

    @Test
    void uncommentedSampleParametersStartAHealthyClusterWithOneWarningPerDroppedName() throws Exception {
        Path dir = Files.createTempDirectory("regent-samples-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        List<RegentNode> nodes = new ArrayList<>();
        List<Integer> pgPorts = new ArrayList<>();
        // data_dir: data/postgresqlN becomes <dir>/data/postgresqlN, so the samples' unix_socket_directories: '..'
        // and ../wal_archive are <dir>/data (shared by the three nodes, as in Patroni's own layout): postgres' own
        Path data = Files.createDirectories(dir.resolve("data"));
        FeatureSteps.chownToPostgres(data);
        try (EtcdProcess etcd = EtcdProcess.start()) {
            Map<Integer, Integer> ports = new HashMap<>();
            for (int n = 0; n < 3; n++) {
                ports.put(8008 + n, freePort());
                ports.put(5432 + n, freePort());
            }
            SampleConfigs.Target target = new SampleConfigs.Target(ports, dir, etcd.hostPort());
            for (int n = 0; n < 3; n++) {
                String yaml = SampleConfigs.rewrite(SampleConfigs.load(n), target).yaml();
                yaml = SampleConfigs.uncommentParameters(yaml);
                yaml = SampleConfigs.addToBlock(yaml, "      parameters:", "        ", GONE_IN_15);
                yaml = SampleConfigs.addToBlock(yaml, "  parameters:", "    ", MISSPELT);
                Path cfg = dir.resolve("postgres" + n + ".yml");
                Files.writeString(cfg, yaml);
                RegentNode node = new RegentNode("postgresql" + n, cfg, dir.resolve("postgresql" + n + ".log"));
                node.start();
                nodes.add(node);
                pgPorts.add(ports.get(5432 + n));
            }
            ClusterView healthy;
            try (PatroniDcs dcs = new PatroniDcs(DcsStores.open("etcd3", Map.of("hosts", etcd.hostPort()),
                    Duration.ofSeconds(30), Duration.ofSeconds(10)), "/service", "batman", "observer")) {
                healthy = awaitHealthy(dcs, nodes);
            }
            String leader = healthy.leader().name();
            for (int n = 0; n < 3; n++) {
                String log = Files.readString(nodes.get(n).log());
                for (String name : DROPPED) {
                    List<String> warnings = log.lines()
                            .filter(l -> l.contains("Removing unexpected parameter=" + name + " ")).toList();
                    assertThat(warnings).as("warnings about %s in %s's log", name, nodes.get(n).name())
                            .hasSize(1).allMatch(l -> l.contains("WARN"))
                            .allMatch(l -> l.contains("PostgreSQL 15 does not know it"));
                }
                Path dataDir = data.resolve("postgresql" + n);
                String conf = Files.readString(dataDir.resolve("postgresql.conf"));
                assertThat(conf).contains("wal_keep_size = '128MB'", "archive_mode = 'on'", "archive_timeout = '1800s'",
                        "krb_server_keyfile = '/var/spool/keytabs/postgres'").doesNotContain("wal_keep_segments")
                        .doesNotContain("stats_temp_directory").doesNotContain("checkpoint_segments")
                        .doesNotContain("shard_buffers");
                if (("postgresql" + n).equals(leader)) {
                    assertThat(dataDir.resolve("standby.signal")).doesNotExist();
                    assertThat(conf).doesNotContain("# recovery.conf");
                } else {
                    assertThat(dataDir.resolve("standby.signal")).exists();
                    assertThat(conf).contains("# recovery.conf", "restore_command = 'cp ../wal_archive/%f %p'",
                            "recovery_target_timeline = 'latest'");
                }
                try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPorts.get(n)
                        + "/postgres", "postgres", "zalando"); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT current_setting('wal_keep_size'), "
                             + "current_setting('wal_level'), current_setting('archive_mode')")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(List.of(rs.getString(1), rs.getString(2), rs.getString(3)))
                            .containsExactly("128MB", "replica", "on");
                }
            }
        } finally {
            nodes.forEach(RegentNode::requestStop);
            for (RegentNode n : nodes) {
                n.stop();
            }
            for (int n = 0; n < 3; n++) {
                killPostmaster(data.resolve("postgresql" + n));
            }
            LocalCluster.deleteRecursively(dir);
        }
    }

    private static ClusterView awaitHealthy(PatroniDcs dcs, List<RegentNode> nodes) {
        long deadline = System.nanoTime() + HEALTHY.toNanos();
        ClusterView last = null;
        while (System.nanoTime() < deadline) {
            if (nodes.stream().anyMatch(n -> !n.isAlive())) {
                break;   // a daemon that exited will not become healthy
            }
            try {
                last = dcs.load();
                if (Demo.healthy(last, 3)) {
                    return last;
                }
            } catch (DcsException e) {
                // etcd briefly unavailable: try again
            }
            LocalCluster.sleep(500);
        }
        StringBuilder logs = new StringBuilder();
        nodes.forEach(n -> logs.append("---- ").append(n.name()).append('\n').append(n.tail(60)).append('\n'));
        throw new AssertionError("cluster from Patroni's samples not healthy (within " + HEALTHY + "); last: "
                + (last == null ? null : last.members().stream().map(Member::name).toList()) + "\n" + logs);
    }

    private static void killPostmaster(Path data) {
        try {
            Path pid = data.resolve("postmaster.pid");
            if (Files.exists(pid)) {
                String first = Files.readAllLines(pid).get(0).trim();
                new ProcessBuilder("kill", "-9", first).start().waitFor();
            }
        } catch (IOException | RuntimeException e) {
            // already gone
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        return dev.regent.testkit.FreePorts.one();
    }
}
