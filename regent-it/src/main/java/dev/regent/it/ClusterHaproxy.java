package dev.regent.it;

import dev.regent.ctl.RegentCtl;
import dev.regent.testkit.FreePorts;
import dev.regent.testkit.HaproxyProcess;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A real HAProxy in front of a {@link LocalCluster}, on the configuration {@code regentctl haproxy-config} prints for
 * it (run in-process on a node's configuration file, as an operator would run it), listening on 127.0.0.1 with free
 * ports. {@link #close()} stops HAProxy; the cluster is the caller's.
 */
public final class ClusterHaproxy implements AutoCloseable {
    private final LocalCluster cluster;
    private final HaproxyProcess haproxy;
    private final String config;
    private final int primaryPort;
    private final int replicaPort;

    private ClusterHaproxy(LocalCluster cluster, HaproxyProcess haproxy, String config, int primaryPort,
                           int replicaPort) {
        this.cluster = cluster;
        this.haproxy = haproxy;
        this.config = config;
        this.primaryPort = primaryPort;
        this.replicaPort = replicaPort;
    }

    /** Generates the configuration from node 0's file and starts HAProxy on it. */
    public static ClusterHaproxy start(LocalCluster cluster, String... extraOptions) {
        return start(cluster, cluster.dir().resolve(cluster.node(0).name() + ".yml"), extraOptions);
    }

    /**
     * Generates the configuration with {@code regentctl -c ctlConfig haproxy-config --bind 127.0.0.1 --primary-port
     * P --replica-port R --lag 1MB extraOptions...} and starts HAProxy on it; fails with regentctl's error otherwise.
     */
    public static ClusterHaproxy start(LocalCluster cluster, Path ctlConfig, String... extraOptions) {
        int primary = FreePorts.one();
        int replica = FreePorts.one();
        List<String> args = new ArrayList<>(List.of("-c", ctlConfig.toString(), "haproxy-config", "--bind",
                "127.0.0.1", "--primary-port", String.valueOf(primary), "--replica-port", String.valueOf(replica),
                "--lag", "1MB"));
        args.addAll(List.of(extraOptions));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = RegentCtl.run(args.toArray(String[]::new), new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of("HOME", cluster.dir().toString()));
        String config = out.toString(StandardCharsets.UTF_8);
        if (code != 0) {
            throw new IllegalStateException("regentctl haproxy-config failed (" + code + "): "
                    + err.toString(StandardCharsets.UTF_8));
        }
        return new ClusterHaproxy(cluster, HaproxyProcess.start(config, primary, replica), config, primary, replica);
    }

    /** The configuration HAProxy runs (as regentctl printed it). */
    public String config() {
        return config;
    }

    public int primaryPort() {
        return primaryPort;
    }

    public int replicaPort() {
        return replicaPort;
    }

    /** The JDBC URL of HAProxy's primary listener: a client that knows nothing of the cluster's members. */
    public String primaryJdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + primaryPort + "/postgres";
    }

    /** The proxy names regentctl gives the cluster's listeners. */
    public String primaryProxy() {
        return "it_primary";
    }

    public String replicaProxy() {
        return "it_replicas";
    }

    /** Waits until HAProxy's primary listener has exactly {@code member} UP. */
    public void awaitPrimary(String member, Duration timeout) {
        haproxy.awaitUp(primaryProxy(), Set.of(member), timeout);
    }

    public HaproxyProcess process() {
        return haproxy;
    }

    /** The PostgreSQL port of {@code member} in this cluster. */
    public int pgPort(String member) {
        return cluster.layout().pgPort(cluster.index(member));
    }

    @Override
    public void close() {
        haproxy.close();
    }
}
