package dev.regent.daemon.wiring;

import dev.regent.core.config.NodeConfig;
import dev.regent.dcs.KeyValueStore;
import dev.regent.dcs.etcd.EtcdKeyValueStore;
import dev.regent.dcs.raft.RaftKeyValueStore;
import java.time.Duration;
import java.util.Map;

/**
 * Opens the {@link KeyValueStore} named by a configuration's DCS section ({@code etcd3:} or {@code raft:}). The daemon,
 * {@code regent demo} and {@code regentctl} all go through here, so a backend is selected the same way everywhere.
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

    /** {@link #open(NodeConfig.DcsConfig, Duration, Duration)} from a section type and its map. */
    public static KeyValueStore open(String type, Map<String, Object> section, Duration ttl, Duration retryTimeout) {
        return switch (type) {
            case "etcd3" -> EtcdKeyValueStore.fromConfig(section, ttl, retryTimeout);
            case "raft" -> RaftKeyValueStore.fromConfig(section, ttl, retryTimeout);
            default -> throw new IllegalArgumentException("DCS section '" + type
                    + "' is not supported yet; use etcd3 (production) or raft (embedded)");
        };
    }
}
