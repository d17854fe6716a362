package dev.regent.it;

import dev.regent.core.model.ClusterView;
import dev.regent.daemon.demo.Demo;
import dev.regent.daemon.demo.NodeConfigWriter;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.PatroniDcs;
import dev.regent.daemon.wiring.DcsStores;
import dev.regent.testkit.EtcdProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real local cluster for end-to-end tests and the benchmark: N Regent daemons as separate processes, each managing
 * a real PostgreSQL 15, on 127.0.0.1 with free ports in a temporary directory, on one real etcd ({@link #start}), on
 * the embedded Raft DCS with a voting peer in every daemon ({@link #startOnRaft}) or on a ZooKeeper server the caller
 * runs ({@link #startOnZooKeeper}).
 * {@link #close()} stops everything (including postgres processes left by killed daemons) and removes the directory.
 */
public final class LocalCluster implements AutoCloseable {
    public static final String SUPERUSER = "postgres";
    public static final String SUPERUSER_PASSWORD = "regent-superuser";

    private final int size;
    private final Path dir;
    private final EtcdProcess etcd;
    /** The in-process fake Kubernetes API server ({@code -Dregent.it.dcs=kubernetes}), or null. */
    private final dev.regent.testkit.FakeKubernetesApi kubernetes;
    private final Path kubeconfig;
    private final String zooKeeper;
    private final ItZooKeeper ownZooKeeper;
    /** The Consul test server's {@code host:port} ({@code consul:} section), or null. */
    private final String consul;
    private final dev.regent.testkit.consul.ConsulTestServer ownConsul;
    /** On etcd's v2 API (Patroni's {@code etcd:} section; etcd started with {@code --enable-v2}). */
    private final boolean etcdV2;
    private final NodeConfigWriter writer;
    private final List<RegentNode> nodes = new ArrayList<>();
    private final PatroniDcs observer;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * On etcd, or on a ZooKeeper server of its own when {@code -Dregent.it.dcs=zookeeper}, or on etcd's v2 API when
     * {@code -Dregent.it.dcs=etcd2} (not for Raft).
     */
    private LocalCluster(int size, int ttl, int loopWait, int retryTimeout, boolean raft) throws IOException {
        this(size, ttl, loopWait, retryTimeout, raft, raft ? null : ItZooKeeper.startIfRequested(),
                !raft && ItZooKeeper.etcdV2Requested(), !raft && ItZooKeeper.kubernetesRequested(),
                raft ? null : ItConsul.startIfRequested());
    }

    private LocalCluster(int size, int ttl, int loopWait, int retryTimeout, boolean raft, ItZooKeeper own,
                         boolean etcdV2, boolean kubernetes, dev.regent.testkit.consul.ConsulTestServer consul)
            throws IOException {
        this(size, ttl, loopWait, retryTimeout, raft, own == null ? null : own.hostPort(), own, etcdV2, kubernetes,
                consul == null ? null : consul.hostPort(), consul);
    }

    /**
     * {@code zooKeeper}: the {@code host:port} of a ZooKeeper server, or null; {@code ownZooKeeper}: that server when
     * this cluster started it (closed with the cluster).
     */
    private LocalCluster(int size, int ttl, int loopWait, int retryTimeout, boolean raft, String zooKeeper,
                         ItZooKeeper ownZooKeeper, boolean etcdV2, boolean kubernetes) throws IOException {
        this(size, ttl, loopWait, retryTimeout, raft, zooKeeper, ownZooKeeper, etcdV2, kubernetes, null, null);
    }

    /** {@code consul}: the {@code host:port} of a Consul (test) agent, or null; {@code ownConsul}: closed with us. */
    private LocalCluster(int size, int ttl, int loopWait, int retryTimeout, boolean raft, String zooKeeper,
                         ItZooKeeper ownZooKeeper, boolean etcdV2, boolean kubernetes, String consul,
                         dev.regent.testkit.consul.ConsulTestServer ownConsul) throws IOException {
        this.size = size;
        this.consul = consul;
        this.ownConsul = ownConsul;
        this.etcdV2 = etcdV2;
        this.zooKeeper = zooKeeper;
        this.ownZooKeeper = ownZooKeeper;
        this.dir = Files.createTempDirectory("regent-it-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        this.kubernetes = kubernetes ? new dev.regent.testkit.FakeKubernetesApi(K8S_TOKEN) : null;
        this.kubeconfig = kubernetes ? writeKubeconfig(dir, this.kubernetes) : null;
        if (kubernetes) RegentNode.SHARED_ENV.put("KUBECONFIG", kubeconfig.toString());
        this.etcd = raft || zooKeeper != null || kubernetes || consul != null ? null
                : etcdV2 ? EtcdProcess.startWithV2() : EtcdProcess.start();
        int restBase = freeBase(size);
        int pgBase = freeBase(size);
        while (Math.abs(pgBase - restBase) < size) pgBase = freeBase(size);
        int raftBase = freeBase(size);
        while (Math.abs(raftBase - restBase) < size || Math.abs(raftBase - pgBase) < size) raftBase = freeBase(size);
        this.writer = raft
                ? NodeConfigWriter.onRaft("it", dir, size, raftBase, "it-raft-secret", restBase, pgBase, ttl,
                        loopWait, retryTimeout)
                : new NodeConfigWriter("it", dir, List.of(zooKeeper != null ? zooKeeper : consul != null ? consul
                        : etcd != null ? etcd.hostPort() : "127.0.0.1:2379"), restBase,
                        pgBase, ttl, loopWait, retryTimeout);
        for (int i = 0; i < size; i++) {
            String name = NodeConfigWriter.nodeName(i);
            Path nodeDir = Files.createDirectories(dir.resolve(name));
            Files.setPosixFilePermissions(nodeDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path cfg = dir.resolve(name + ".yml");
            Files.writeString(cfg, nodeYaml(i));
            nodes.add(new RegentNode(name, cfg, nodeDir.resolve("regent.log")));
            if (kubernetes) {
                // the Pod a StatefulSet would have made: members live on their Pods
                this.kubernetes.addPod(K8S_NAMESPACE, name, Map.of("application", "patroni", "cluster-name", "it"),
                        "127.0.0.1");
                nodes.get(i).putEnv("KUBECONFIG", kubeconfig.toString());
            }
        }
        Map<String, Object> section = raft
                ? Map.of("partner_addrs", writer.raftAddrs(), "password", writer.raftPassword())
                : kubernetes ? Map.of() : consul != null ? Map.of("host", consul)
                : Map.of("hosts", zooKeeper != null ? zooKeeper : etcd.hostPort());
        String type = raft ? "raft" : consul != null ? "consul" : zooKeeper != null ? "zookeeper" : etcdV2 ? "etcd"
                : "etcd3";
        this.observer = new PatroniDcs(kubernetes ? kubernetesStore() : DcsStores.open(type, section,
                Duration.ofSeconds(30), Duration.ofSeconds(raft ? 3 : 10)), "/service", "it", "it-observer");
        OPEN.add(this);
    }

    private long nodesStarted;

    /** Launch every daemon; the moment is kept for {@link #nodesStartedNanos}. */
    private LocalCluster startNodes() throws IOException {
        nodesStarted = System.nanoTime();
        for (RegentNode n : nodes) n.start();
        return this;
    }

    /**
     * {@link System#nanoTime} when the static {@code start*} methods launched the daemons, 0 for a cluster made with
     * {@code create*}: the zero of a start-up figure, after the store (etcd, ZooKeeper, ...) runs and the node
     * configurations are written, neither of which is the nodes' doing.
     */
    public long nodesStartedNanos() {
        return nodesStarted;
    }

    /** Clusters of this JVM not closed yet: a failing test prints their logs ({@link #logsOfOpenClusters}). */
    private static final Set<LocalCluster> OPEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * The last {@code lines} lines of every node's daemon log and postgres log, for every cluster of this JVM still
     * open: what a failing end-to-end test needs to be traced from CI's output alone.
     */
    public static String logsOfOpenClusters(int lines) {
        StringBuilder sb = new StringBuilder();
        for (LocalCluster c : OPEN) {
            sb.append("==== cluster ").append(c.dir).append('\n');
            for (int i = 0; i < c.nodes.size(); i++) {
                RegentNode n = c.nodes.get(i);
                sb.append("---- ").append(n.name()).append(" (daemon)\n").append(n.tail(lines)).append('\n');
                sb.append("---- ").append(n.name()).append(" (postgres)\n").append(c.postgresLogTail(i, lines / 4))
                        .append('\n');
            }
        }
        return sb.toString();
    }

    private String postgresLogTail(int i, int lines) {
        Path log = writer.dataDir(i).resolve("postmaster.log");
        try {
            if (!Files.exists(log)) return "(no " + log + ")";
            List<String> all = Files.readAllLines(log, java.nio.charset.StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(" + e + ")";
        }
    }

    /** Start a cluster of {@code size} nodes with the given dynamic settings; does not wait for health. */
    public static LocalCluster start(int size, int ttl, int loopWait, int retryTimeout) throws IOException {
        LocalCluster c = new LocalCluster(size, ttl, loopWait, retryTimeout, false);
        return c.startNodes();
    }

    /**
     * Lay out a cluster (etcd started, node configs written) without starting any Regent daemon, so that a test can
     * run some or all nodes with another manager (e.g. {@link PatroniNode} on {@link NodeConfigWriter#yaml(int)}).
     */
    public static LocalCluster create(int size, int ttl, int loopWait, int retryTimeout) throws IOException {
        return new LocalCluster(size, ttl, loopWait, retryTimeout, false);
    }

    /** Like {@link #start} on the embedded Raft DCS (peers authenticate with a password); no etcd runs. */
    public static LocalCluster startOnRaft(int size, int ttl, int loopWait, int retryTimeout) throws IOException {
        LocalCluster c = new LocalCluster(size, ttl, loopWait, retryTimeout, true);
        return c.startNodes();
    }

    /**
     * Like {@link #start} on a ZooKeeper server that the caller runs (e.g. in the test's JVM) at {@code hostPort};
     * no etcd runs.
     */
    public static LocalCluster startOnZooKeeper(String hostPort, int size, int ttl, int loopWait, int retryTimeout)
            throws IOException {
        LocalCluster c = new LocalCluster(size, ttl, loopWait, retryTimeout, false, hostPort, null, false, false);
        return c.startNodes();
    }

    /** Like {@link #start} on etcd's v2 API: etcd run with {@code --enable-v2}, nodes with an {@code etcd:} section. */
    public static LocalCluster startOnEtcdV2(int size, int ttl, int loopWait, int retryTimeout) throws IOException {
        LocalCluster c = createOnEtcdV2(size, ttl, loopWait, retryTimeout);
        return c.startNodes();
    }

    /** Like {@link #create} on etcd's v2 API: configs written, no daemon started. */
    public static LocalCluster createOnEtcdV2(int size, int ttl, int loopWait, int retryTimeout) throws IOException {
        return new LocalCluster(size, ttl, loopWait, retryTimeout, false, null, null, true, false);
    }

    /** Like {@link #create} on a ZooKeeper server the caller runs: configs written, no daemon started. */
    public static LocalCluster createOnZooKeeper(String hostPort, int size, int ttl, int loopWait, int retryTimeout)
            throws IOException {
        return new LocalCluster(size, ttl, loopWait, retryTimeout, false, hostPort, null, false, false);
    }

    /** Like {@link #create} on an in-process fake Kubernetes API server (ConfigMaps): configs written, no daemon. */
    public static LocalCluster createOnKubernetes(int size, int ttl, int loopWait, int retryTimeout)
            throws IOException {
        return new LocalCluster(size, ttl, loopWait, retryTimeout, false, null, null, false, true);
    }

    /** Like {@link #start} on an in-process fake Kubernetes API server; the daemons find it through KUBECONFIG. */
    public static LocalCluster startOnKubernetes(int size, int ttl, int loopWait, int retryTimeout)
            throws IOException {
        LocalCluster c = createOnKubernetes(size, ttl, loopWait, retryTimeout);
        return c.startNodes();
    }

    static final String K8S_TOKEN = "regent-it-token";
    static final String K8S_NAMESPACE = "regent-it";
    /** The {@code kubernetes:} section of every node (Patroni reads the same). */
    static final String K8S_SECTION = "kubernetes:\n  namespace: " + K8S_NAMESPACE + "\n  context: regent-it\n"
            + "  labels:\n    application: patroni\n";

    /**
     * A kubeconfig naming the fake server with a bearer token, as a user outside the cluster would have, at
     * {@code <dir>/.kube/config}: the daemons get it as KUBECONFIG, regentctl run with HOME=dir finds it there.
     */
    private static Path writeKubeconfig(Path dir, dev.regent.testkit.FakeKubernetesApi api) throws IOException {
        Path file = Files.createDirectories(dir.resolve(".kube")).resolve("config");
        Files.writeString(file, String.join("\n", "apiVersion: v1", "kind: Config", "current-context: regent-it",
                "clusters:", "- name: fake", "  cluster:", "    server: " + api.url(), "contexts:", "- name: regent-it",
                "  context:", "    cluster: fake", "    user: it", "users:", "- name: it", "  user:",
                "    token: " + K8S_TOKEN, ""));
        return file;
    }

    private dev.regent.dcs.KeyValueStore kubernetesStore() {
        var settings = dev.regent.dcs.kubernetes.KubernetesSettings.fromMap(Map.of("namespace", K8S_NAMESPACE,
                "labels", Map.of("application", "patroni")));
        return new dev.regent.dcs.kubernetes.KubernetesKeyValueStore(settings,
                dev.regent.dcs.kubernetes.KubeConnection.resolve(settings, Map.of("KUBECONFIG", kubeconfig.toString()),
                        dir, dir), Duration.ofSeconds(30), Duration.ofSeconds(10), dev.regent.time.Ticker.SYSTEM,
                dev.regent.time.Sleeper.SYSTEM);
    }

    /** The fake Kubernetes API server, or null when the cluster is not on Kubernetes. */
    public dev.regent.testkit.FakeKubernetesApi kubernetes() {
        return kubernetes;
    }

    /** The kubeconfig naming the fake API server, or null. */
    public Path kubeconfig() {
        return kubeconfig;
    }

    /** The YAML of node {@code i} as written for this cluster's store (etcd3, etcd, raft, zookeeper, consul). */
    public String nodeYaml(int i) {
        if (consul != null) return writer.yaml(i, "consul:\n  host: " + consul + "\n  register_service: true\n");
        if (etcdV2) return writer.yaml(i, "etcd:\n  hosts:\n    - " + etcd.hostPort() + "\n");
        // no top-level namespace: Patroni 3.0.2 copies it over kubernetes.namespace (get_dcs); Regent ignores it here
        if (kubernetes != null) return writer.yaml(i, K8S_SECTION).replace("\nnamespace: /service\n", "\n");
        return zooKeeper == null ? writer.yaml(i) : writer.yaml(i, "zookeeper:\n  hosts:\n    - " + zooKeeper + "\n");
    }

    /** True on etcd's v2 API. */
    public boolean onEtcdV2() {
        return etcdV2;
    }

    /** The ZooKeeper server's {@code host:port}, or null when the cluster is not on ZooKeeper. */
    public String zooKeeper() {
        return zooKeeper;
    }

    /** True on the embedded Raft DCS. */
    public boolean onRaft() {
        return etcd == null && zooKeeper == null && kubernetes == null && consul == null;
    }

    /** The Consul agent's {@code host:port}, or null when the cluster is not on Consul. */
    public String consul() {
        return consul;
    }

    /** Like {@link #start} on a Consul (test) agent the caller runs at {@code hostPort}; no etcd runs. */
    public static LocalCluster startOnConsul(String hostPort, int size, int ttl, int loopWait, int retryTimeout)
            throws IOException {
        LocalCluster c = createOnConsul(hostPort, size, ttl, loopWait, retryTimeout);
        return c.startNodes();
    }

    /** Like {@link #create} on a Consul (test) agent the caller runs: configs written, no daemon started. */
    public static LocalCluster createOnConsul(String hostPort, int size, int ttl, int loopWait, int retryTimeout)
            throws IOException {
        return new LocalCluster(size, ttl, loopWait, retryTimeout, false, null, null, false, false, hostPort, null);
    }

    public RegentNode node(int i) {
        return nodes.get(i);
    }

    public RegentNode node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    public int index(String name) {
        return Integer.parseInt(name.substring(4));
    }

    public NodeConfigWriter layout() {
        return writer;
    }

    public Path dir() {
        return dir;
    }

    /** The etcd server, or null on the embedded Raft DCS or ZooKeeper. */
    public EtcdProcess etcd() {
        return etcd;
    }

    /** Fresh DCS snapshot. */
    public ClusterView cluster() throws DcsException {
        return observer.load();
    }

    public PatroniDcs dcs() {
        return observer;
    }

    /** Wait until {@code condition} holds on a fresh snapshot; returns it. Fails with logs on timeout. */
    public ClusterView await(String what, Duration timeout, Predicate<ClusterView> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ClusterView last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = cluster();
                if (condition.test(last)) return last;
            } catch (DcsException e) {
                // etcd briefly unavailable: try again
            }
            sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + "; last snapshot: " + last + "\n" + logs());
    }

    /** Wait for a leader and all members running and streaming. */
    public ClusterView awaitHealthy(Duration timeout) {
        return await("a healthy cluster", timeout, c -> Demo.healthy(c, size));
    }

    public String leaderName(Duration timeout) {
        return await("a leader", timeout, c -> c.leader() != null).leader().name();
    }

    /** JDBC URL of one node. */
    public String jdbcUrl(int i) {
        return "jdbc:postgresql://127.0.0.1:" + writer.pgPort(i) + "/postgres";
    }

    /** Multi-host JDBC URL that connects to whichever node is the primary. */
    public String primaryJdbcUrl() {
        String hosts = Stream.iterate(0, i -> i + 1).limit(size).map(i -> "127.0.0.1:" + writer.pgPort(i))
                .collect(Collectors.joining(","));
        return "jdbc:postgresql://" + hosts + "/postgres?targetServerType=primary";
    }

    /** REST call; returns status code and body. */
    public HttpResponse<String> rest(int node, String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + writer.restPort(node) + path))
                .timeout(Duration.ofSeconds(40));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("REST " + method + " " + path + " on node" + node + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The last lines of every node's log, for assertion messages. */
    public String logs() {
        StringBuilder sb = new StringBuilder();
        for (RegentNode n : nodes) sb.append("---- ").append(n.name()).append('\n').append(n.tail(40)).append('\n');
        return sb.toString();
    }

    /** Kill -9 a node's postmaster (read from postmaster.pid). */
    public void killPostmaster(int i) throws IOException, InterruptedException {
        long pid = postmasterPid(i);
        if (pid > 0) new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
    }

    public long postmasterPid(int i) throws IOException {
        Path pidFile = writer.dataDir(i).resolve("postmaster.pid");
        if (!Files.exists(pidFile)) return -1;
        String first = Files.readAllLines(pidFile).get(0).trim();
        return Long.parseLong(first);
    }

    @Override
    public void close() {
        OPEN.remove(this);
        // All at once: on Raft, the last daemon stopping alone would have no quorum left to release its keys.
        nodes.forEach(RegentNode::requestStop);
        for (RegentNode n : nodes) {
            try {
                n.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int i = 0; i < size; i++) {
            try {
                killPostmaster(i); // a daemon killed by a test leaves its postgres running
            } catch (IOException | RuntimeException e) {
                // nothing left to stop
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        observer.close();
        if (etcd != null) etcd.close();
        if (kubernetes != null) {
            kubernetes.close();
            RegentNode.SHARED_ENV.remove("KUBECONFIG", kubeconfig.toString());
        }
        if (ownConsul != null) ownConsul.close();
        if (ownZooKeeper != null) {
            try {
                ownZooKeeper.close();
            } catch (IOException e) {
                // its temporary directory may stay behind
            }
        }
        if (Boolean.getBoolean("regent.it.keep")) {
            System.err.println("regent.it.keep: cluster directory kept: " + dir);
        } else {
            deleteRecursively(dir);
        }
    }

    static void deleteRecursively(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp dir left behind is not worth failing a test for
        }
    }

    private static int freeBase(int count) {
        return dev.regent.testkit.FreePorts.consecutive(count);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
