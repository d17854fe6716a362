package dev.regent.dcs.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.KeyValueStore;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code set_acls} and {@code auth_data} against a real ZooKeeper server (digest authentication). */
class ZooKeeperAclTest {
    private static ZooKeeperTestServer zk;

    @BeforeAll
    static void startZooKeeper() {
        zk = ZooKeeperTestServer.start();
    }

    @AfterAll
    static void stopZooKeeper() throws Exception {
        if (zk != null) zk.close();
    }

    private static KeyValueStore store(Map<String, Object> extra) {
        Map<String, Object> section = new java.util.HashMap<>(extra);
        section.put("hosts", zk.hostPort());
        return ZooKeeperKeyValueStore.fromConfig(section, Duration.ofSeconds(4), Duration.ofSeconds(2), Ticker.SYSTEM,
                Sleeper.SYSTEM);
    }

    @Test
    void znodesCarryTheAclsAndOnlyAnAuthenticatedSessionReadsThem() throws Exception {
        String digest = DigestAuthenticationProvider.generateDigest("regent:s3cret");
        Map<String, Object> secured = Map.of("auth_data", Map.of("digest", "regent:s3cret"),
                "set_acls", Map.of("digest:" + digest, List.of("ALL"), "world:anyone", List.of("read")));
        try (KeyValueStore owner = store(secured);
             KeyValueStore stranger = store(Map.of());
             KeyValueStore wrongPassword = store(Map.of("auth_data", Map.of("digest", "regent:guess")))) {
            owner.put("/acl/service/batman/config", "{}", false);
            assertThat(owner.create("/acl/service/batman/leader", "pg0", true)).isTrue();
            assertThat(owner.getPrefix("/acl/service/batman/")).extracting(KeyValue::value).containsExactly("{}", "pg0");

            var handle = ((ZooKeeperKeyValueStore) owner).handle();
            List<ACL> acl = handle.getACL("/acl/service/batman/leader", null);
            assertThat(acl).containsExactlyInAnyOrder(new ACL(ZooDefs.Perms.ALL, new Id("digest", digest)),
                    new ACL(ZooDefs.Perms.READ, new Id("world", "anyone")));
            assertThat(handle.getACL("/acl/service", null)).as("parents too").hasSize(2);

            assertThat(stranger.getPrefix("/acl/service/batman/")).as("world may read").hasSize(2);
            assertThatThrownBy(() -> stranger.put("/acl/service/batman/config", "{\"x\":1}", false))
                    .isInstanceOf(DcsException.class).hasMessage("ZooKeeper refused to write /acl/service/batman/config:"
                            + " not authorized (ACL) for /acl/service/batman/config");
            assertThatThrownBy(() -> wrongPassword.deleteIfValue("/acl/service/batman/leader", "pg0"))
                    .isInstanceOf(DcsException.class).hasMessageContaining("not authorized (ACL)");
            assertThat(owner.deleteIfValue("/acl/service/batman/leader", "pg0")).isTrue();
            owner.deletePrefix("/acl/");
        }
    }

    @Test
    void badAclSettingsNameTheKey() {
        assertThatThrownBy(() -> ZooKeeperSecurity.fromMap("zookeeper", Map.of("set_acls", List.of("x"))))
                .hasMessage("zookeeper.set_acls must be a mapping");
        assertThatThrownBy(() -> ZooKeeperSecurity.fromMap("zookeeper", Map.of("set_acls",
                Map.of("CN=node1", List.of("READ", "FLY"))))).hasMessage("zookeeper.set_acls.CN=node1: unknown"
                        + " permission 'FLY' (one of CREATE, READ, WRITE, DELETE, ADMIN, ALL)");
        assertThatThrownBy(() -> ZooKeeperSecurity.fromMap("zookeeper", Map.of("auth_data",
                Map.of("digest", List.of("a"))))).hasMessage("zookeeper.auth_data.digest must be a credential string");
        ZooKeeperSecurity s = ZooKeeperSecurity.fromMap("zookeeper", Map.of("set_acls",
                Map.of("CN=node1,O=example", List.of("read", "write"))));
        assertThat(s.acls()).as("Patroni's default scheme is x509").containsExactly(new ACL(
                ZooDefs.Perms.READ | ZooDefs.Perms.WRITE, new Id("x509", "CN=node1,O=example")));
    }
}
