package dev.regent.daemon.wiring;

import dev.regent.core.config.NodeConfig;
import dev.regent.dcs.KeyValueStore;
import dev.regent.dcs.consul.ConsulKeyValueStore;
import dev.regent.dcs.etcd.EtcdKeyValueStore;
import dev.regent.dcs.etcd2.Etcd2KeyValueStore;
import dev.regent.dcs.kubernetes.KubernetesKeyValueStore;
import dev.regent.dcs.raft.RaftKeyValueStore;
import dev.regent.dcs.zookeeper.ZooKeeperKeyValueStore;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.util.Map;

/**
 * Opens the {@link KeyValueStore} named by a configuration's DCS section ({@code etcd3:}, {@code etcd:}, {@code raft:},
 * {@code zookeeper:}, {@code exhibitor:} or {@code kubernetes:}). The daemon, {@code regent demo} and
 * {@code regentctl} all go through here, so a backend is
 * selected the same way everywhere. A backend's client library is loaded only when its branch runs (the JVM resolves
 * classes lazily), so a node on etcd never loads Curator or Ratis.
 */
public final class DcsStores {
    private DcsStores() {}

    /**
     * Opens the store. For {@code raft} with {@code self_addr} this starts this node's voting Raft peer (closed with
     * the store); without {@code self_addr} it is a client of {@code partner_addrs}, as with Patroni.
     *
     * @throws IllegalArgumentException for a backend Regent does not implement, or a bad section
     */
    public static KeyValueStore open(NodeConfig.DcsConfig dcs, Duration ttl, Duration retryTimeout) {
        return open(dcs.type(), dcs.section(), ttl, retryTimeout);
    }

    /** As above, the store's retries and waits on {@code ticker} and {@code sleeper}. */
    public static KeyValueStore open(NodeConfig.DcsConfig dcs, Duration ttl, Duration retryTimeout, Ticker ticker,
                                     Sleeper sleeper) {
        return open(dcs.type(), dcs.section(), ttl, retryTimeout, ticker, sleeper);
    }

    /** {@link #open(NodeConfig.DcsConfig, Duration, Duration)} from a section type and its map. */
    public static KeyValueStore open(String type, Map<String, Object> section, Duration ttl, Duration retryTimeout) {
        return open(type, section, ttl, retryTimeout, Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    /** {@link #open(NodeConfig.DcsConfig, Duration, Duration, Ticker, Sleeper)} from a section type and its map. */
    public static KeyValueStore open(String type, Map<String, Object> section, Duration ttl, Duration retryTimeout,
                                     Ticker ticker, Sleeper sleeper) {
        return switch (type) {
            case "etcd3" -> EtcdKeyValueStore.fromConfig(section, ttl, retryTimeout, ticker, sleeper);
            case "etcd" -> Etcd2KeyValueStore.fromConfig(section, ttl, retryTimeout, ticker, sleeper);
            case "raft" -> RaftKeyValueStore.fromConfig(section, ttl, retryTimeout, ticker, sleeper);
            case "zookeeper" -> ZooKeeperKeyValueStore.fromConfig(section, ttl, retryTimeout, ticker, sleeper);
            case "exhibitor" -> ZooKeeperKeyValueStore.fromExhibitorConfig(section, ttl, retryTimeout, ticker, sleeper);
            case "kubernetes" -> KubernetesKeyValueStore.fromConfig(section, ttl, retryTimeout, ticker, sleeper);
            case "consul" -> ConsulKeyValueStore.fromConfig(section, ttl, retryTimeout, ticker, sleeper);
            default -> throw new IllegalArgumentException("DCS section '" + type
                    + "' is not supported; use etcd3 (production), etcd, zookeeper, exhibitor, kubernetes, consul or raft"
                    + " (embedded)");
        };
    }
}
