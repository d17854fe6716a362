package dev.regent.daemon.demo;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes Patroni-style YAML configurations for a local cluster on 127.0.0.1 (the demo and the end-to-end tests use
 * it). Node {@code i} gets REST port {@code restBase + i} and PostgreSQL port {@code pgBase + i}; data lives in
 * {@code <dir>/<name>/}.
 *
 * @param scope        cluster name
 * @param dir          cluster directory
 * @param etcdHosts    etcd client endpoints ({@code host:port}); empty for the embedded Raft DCS
 * @param restBase     first REST port
 * @param pgBase       first PostgreSQL port
 * @param ttl          bootstrap.dcs ttl
 * @param loopWait     bootstrap.dcs loop_wait
 * @param retryTimeout bootstrap.dcs retry_timeout
 * @param raftBase     first Raft port (node {@code i} listens on {@code raftBase + i}); used when etcdHosts is empty
 * @param raftPassword raft.password, or null for none
 */
public record NodeConfigWriter(String scope, Path dir, List<String> etcdHosts, int restBase, int pgBase, int ttl,
                               int loopWait, int retryTimeout, int raftBase, int nodes, String raftPassword) {

    /** A layout on etcd v3. */
    public NodeConfigWriter(String scope, Path dir, List<String> etcdHosts, int restBase, int pgBase, int ttl,
                            int loopWait, int retryTimeout) {
        this(scope, dir, etcdHosts, restBase, pgBase, ttl, loopWait, retryTimeout, 0, 0, null);
    }

    /** A layout of {@code nodes} members on the embedded Raft DCS, each node a voting Raft peer. */
    public static NodeConfigWriter onRaft(String scope, Path dir, int nodes, int raftBase, String password,
                                          int restBase, int pgBase, int ttl, int loopWait, int retryTimeout) {
        return new NodeConfigWriter(scope, dir, List.of(), restBase, pgBase, ttl, loopWait, retryTimeout, raftBase,
                nodes, password);
    }

    public boolean onRaft() {
        return etcdHosts.isEmpty();
    }

    /** {@code host:port} of node {@code i}'s Raft peer. */
    public String raftAddr(int i) {
        return "127.0.0.1:" + (raftBase + i);
    }

    /** Every Raft peer address. */
    public List<String> raftAddrs() {
        return java.util.stream.IntStream.range(0, nodes).mapToObj(this::raftAddr).toList();
    }

    public static String nodeName(int i) {
        return "node" + i;
    }

    public Path dataDir(int i) {
        return dir.resolve(nodeName(i)).resolve("data");
    }

    public int restPort(int i) {
        return restBase + i;
    }

    public int pgPort(int i) {
        return pgBase + i;
    }

    /** The YAML of node {@code i}. */
    public String yaml(int i) {
        return yaml(i, dcsSection(i, dir.resolve(nodeName(i))));
    }

    /** The YAML of node {@code i} with another DCS section (YAML text, e.g. a {@code zookeeper:} one). */
    public String yaml(int i, String dcsSection) {
        String name = nodeName(i);
        Path nodeDir = dir.resolve(name);
        return String.join("\n",
                "scope: " + scope,
                "namespace: /service",
                "name: " + name,
                "",
                "restapi:",
                "  listen: 127.0.0.1:" + restPort(i),
                "  connect_address: 127.0.0.1:" + restPort(i),
                "",
                dcsSection,
                "bootstrap:",
                "  dcs:",
                "    ttl: " + ttl,
                "    loop_wait: " + loopWait,
                "    retry_timeout: " + retryTimeout,
                "    maximum_lag_on_failover: 1048576",
                "    postgresql:",
                "      use_pg_rewind: true",
                "      use_slots: true",
                "      parameters:",
                "        wal_keep_size: 128MB",
                "  initdb:",
                "  - encoding: UTF8",
                "  - data-checksums",
                "  pg_hba:",
                "  - host replication replicator 127.0.0.1/32 md5",
                "  - host all all 127.0.0.1/32 md5",
                "",
                "postgresql:",
                "  listen: 127.0.0.1:" + pgPort(i),
                "  connect_address: 127.0.0.1:" + pgPort(i),
                "  data_dir: " + dataDir(i),
                "  pgpass: " + nodeDir.resolve("pgpass"),
                "  authentication:",
                "    superuser:",
                "      username: postgres",
                "      password: regent-superuser",
                "    replication:",
                "      username: replicator",
                "      password: regent-replicator",
                "    rewind:",
                "      username: rewind_user",
                "      password: regent-rewind",
                "  parameters:",
                "    unix_socket_directories: '/tmp'",
                "");
    }

    private String dcsSection(int i, Path nodeDir) {
        if (!onRaft()) {
            return "etcd3:\n  hosts:\n" + etcdHosts.stream().map(h -> "    - " + h + "\n").collect(Collectors.joining());
        }
        String partners = raftAddrs().stream().filter(a -> !a.equals(raftAddr(i))).map(a -> "    - " + a + "\n")
                .collect(Collectors.joining());
        return "raft:\n  self_addr: " + raftAddr(i) + "\n  data_dir: " + nodeDir.resolve("raft") + "\n"
                + (partners.isEmpty() ? "  partner_addrs: []\n" : "  partner_addrs:\n" + partners)
                + (raftPassword == null ? "" : "  password: " + raftPassword + "\n");
    }
}
