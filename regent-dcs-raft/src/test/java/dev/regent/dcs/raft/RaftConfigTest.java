package dev.regent.dcs.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.KeyValue;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Patroni's raft section: validation messages, bind_addr, and the client-only mode (no self_addr). */
class RaftConfigTest {
    private static final Duration TTL = Duration.ofSeconds(2);
    private static final Duration RETRY = Duration.ofSeconds(5);

    private static Map<String, Object> raft(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void badValuesAreRejectedNamingTheirKey() {
        String dir = "/nonexistent/regent-raft-never-created";
        assertRejected(raft(), "raft.partner_addrs");
        assertRejected(raft("self_addr", "nohost", "data_dir", dir), "raft.self_addr");
        assertRejected(raft("self_addr", "127.0.0.1:99999", "data_dir", dir), "raft.self_addr");
        assertRejected(raft("self_addr", List.of("a:1"), "data_dir", dir), "raft.self_addr");
        assertRejected(raft("self_addr", "127.0.0.1:1"), "raft.data_dir");
        assertRejected(raft("self_addr", "127.0.0.1:1", "data_dir", dir, "bind_addr", "0.0.0.0"), "raft.bind_addr");
        assertRejected(raft("self_addr", "127.0.0.1:1", "data_dir", dir, "partner_addrs", "127.0.0.1:2,bad"),
                "raft.partner_addrs");
        assertRejected(raft("partner_addrs", "127.0.0.1:2", "password", ""), "raft.password");
        assertRejected(raft("partner_addrs", "127.0.0.1:2", "client_password", List.of()), "raft.client_password");
        assertRejected(raft("partner_addrs", "127.0.0.1:2", "password", "p", "client_port_offset", 5),
                "raft.client_port_offset needs raft.client_password");
        assertRejected(raft("partner_addrs", "127.0.0.1:2", "client_password", "c", "client_port_offset", 0),
                "raft.client_port_offset");
        assertRejected(raft("partner_addrs", "127.0.0.1:2", "client_password", "c", "client_port_offset", "x"),
                "raft.client_port_offset");
        assertRejected(raft("partner_addrs", "127.0.0.1:2", "password", List.of("a", "b"), "client_password", "b"),
                "raft.client_password must differ");
        assertRejected(raft("partner_addrs", "127.0.0.1:65535", "client_password", "c"), "above 65535");
        assertRejected(raft("self_addr", "127.0.0.1:1", "data_dir", dir, "client_password", "c"),
                "raft.client_password needs raft.password");
        assertRejected(raft("self_addr", "127.0.0.1:1", "data_dir", dir, "partner_addrs", "127.0.0.1:2",
                "password", "p", "client_password", "c"), "raft.client_port_offset 1 puts the client port");
        assertThat(Files.exists(Path.of(dir))).isFalse();
    }

    private static void assertRejected(Map<String, Object> raft, String key) {
        assertThatThrownBy(() -> RaftKeyValueStore.fromConfig(raft, TTL, RETRY).close())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(key);
    }

    @Test
    void bindAddrChoosesTheListeningInterface() throws Exception {
        int port = RaftTestGroup.freePort();
        Path dir = Files.createTempDirectory("regent-raft-bind");
        try {
            try (RaftKeyValueStore s = RaftKeyValueStore.fromConfig(
                    raft("self_addr", "127.0.0.1:" + port, "data_dir", dir.resolve("a").toString()), TTL, RETRY)) {
                assertThat(s.create("/b", "1", false)).isTrue();
                assertThat(connects("127.0.0.1", port)).isTrue();
                assertThat(connects("127.0.0.2", port)).as("default bind_addr = self_addr only").isFalse();
            }
            try (RaftKeyValueStore s = RaftKeyValueStore.fromConfig(raft("self_addr", "127.0.0.1:" + port,
                    "bind_addr", "0.0.0.0:" + port, "data_dir", dir.resolve("b").toString(), "insecure", true), TTL,
                    RETRY)) {  // every interface without a password: refused unless insecure (RaftPasswordsTest)
                assertThat(s.create("/b", "1", false)).isTrue();
                assertThat(connects("127.0.0.2", port)).as("bound to every interface").isTrue();
            }
        } finally {
            RaftTestGroup.deleteTree(dir);
        }
    }

    private static boolean connects(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1_000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void withoutSelfAddrTheStoreIsAClientOfPartnerAddrs() throws Exception {
        RaftTestGroup g = new RaftTestGroup(3);
        try (RaftKeyValueStore client = RaftKeyValueStore.fromConfig(
                raft("partner_addrs", String.join(",", g.addrs)), TTL, RETRY);
             RaftKeyValueStore peerStore = new RaftKeyValueStore(g.peers.get(0), false, TTL, RETRY)) {
            assertThat(client.create("/w/leader", "c", true)).isTrue();
            assertThat(peerStore.getPrefix("/w/")).extracting(KeyValue::session).containsExactly(client.sessionId());
            long rev = client.getPrefix("/w/").get(0).modRevision();
            assertThat(client.awaitChange("/w/", rev, Duration.ofMillis(600))).as("nothing changed").isFalse();
            CompletableFuture<Boolean> woken = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.awaitChange("/w/", rev, Duration.ofSeconds(10));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            peerStore.put("/w/config", "{}", false);
            assertThat(woken.get()).as("the polled watch sees the change").isTrue();
            client.closeSession();
            assertThat(peerStore.getPrefix("/w/")).extracting(KeyValue::key).containsExactly("/w/config");
        } finally {
            g.destroy();
        }
    }
}
