package dev.regent.dcs.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.KeyValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code raft.password} and {@code raft.insecure} as a node reads them: a string or a rotation list, never empty,
 * no plaintext off loopback without {@code insecure: true}; and a rotation across running peers.
 */
class RaftPasswordsTest {
    @Test
    void aPasswordIsAStringOrARotationListAndNeverEmpty() {
        assertThat(RaftPasswords.of(Map.of())).isEmpty();
        assertThat(RaftPasswords.of(Map.of("password", "p"))).containsExactly("p");
        assertThat(RaftPasswords.of(Map.of("password", List.of("new", "old")))).containsExactly("new", "old");
        Map<String, Object> nullPassword = new HashMap<>();
        nullPassword.put("password", null);  // "password:" with nothing after it
        for (Map<String, Object> bad : List.of(Map.<String, Object>of("password", ""), nullPassword,
                Map.<String, Object>of("password", List.of()), Map.<String, Object>of("password", List.of("a", "")))) {
            assertThatThrownBy(() -> RaftPasswords.of(bad)).as(bad.toString())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("raft.password must not be");
        }
        assertThatThrownBy(() -> RaftPasswords.of(Map.of("password", Map.of("a", "b"))))
                .hasMessageContaining("raft.password must be a string or a list of strings");
    }

    @Test
    void plaintextIsRefusedOffLoopbackUnlessInsecure() {
        RaftPasswords.requireOffLoopback(List.of(), false, List.of("127.0.0.1:1", "localhost:2", "[::1]:3",
                "127.0.1.1:4"));
        RaftPasswords.requireOffLoopback(List.of("p"), false, List.of("10.0.0.1:2222"));
        RaftPasswords.requireOffLoopback(List.of(), true, List.of("10.0.0.1:2222"));
        for (String address : List.of("10.0.0.1:2222", "0.0.0.0:2222", "db1.example.com:2222", "[fe80::1]:2222")) {
            assertThatThrownBy(() -> RaftPasswords.requireOffLoopback(List.of(), false,
                    List.of("127.0.0.1:1", address))).as(address)
                    .hasMessageContaining("raft.password is not set and " + address + " is not a loopback address")
                    .hasMessageContaining("raft.insecure: true");
        }
        assertThat(RaftPasswords.insecure(Map.of("insecure", true))).isTrue();
        assertThat(RaftPasswords.insecure(Map.of("insecure", "false"))).isFalse();
        assertThatThrownBy(() -> RaftPasswords.insecure(Map.of("insecure", "yes please")))
                .hasMessageContaining("raft.insecure must be true or false");
    }

    @Test
    void aNodeConfigWithoutPasswordOnANetworkAddressDoesNotStart() throws Exception {
        Path dir = Files.createTempDirectory("regent-raft-insecure");
        try {
            assertThatThrownBy(() -> RaftKeyValueStore.fromConfig(Map.of("self_addr", "10.255.255.1:2222",
                    "data_dir", dir.toString()), Duration.ofSeconds(5), Duration.ofSeconds(5)))
                    .hasMessageContaining("not a loopback address");
            assertThatThrownBy(() -> RaftKeyValueStore.fromConfig(Map.of("partner_addrs", "10.255.255.1:2222"),
                    Duration.ofSeconds(5), Duration.ofSeconds(5))).as("a client-only node too")
                    .hasMessageContaining("not a loopback address");
        } finally {
            RaftTestGroup.deleteTree(dir);
        }
    }

    @Test
    void aPasswordIsRotatedWithoutStoppingTheGroup() throws Exception {
        // step 1 of a rotation: peers restarted one by one with [new, old] keep talking to those still on [old]
        RaftTestGroup g = new RaftTestGroup(Arrays.asList("old-password-0123456", "old-password-0123456",
                "old-password-0123456"));
        try {
            try (RaftKeyValueStore s = g.store("a", Duration.ofSeconds(5))) {
                s.put("/r/k", "1", false);
            }
            g.peers.get(0).close();
            g.peers.set(0, RaftKvServer.start(g.addrs.get(0), null, g.addrs, g.dir.resolve("peer0"),
                    List.of("new-password-7654321", "old-password-0123456")));
            g.peers.get(1).close();
            g.peers.set(1, RaftKvServer.start(g.addrs.get(1), null, g.addrs, g.dir.resolve("peer1"),
                    List.of("new-password-7654321", "old-password-0123456")));
            try (RaftKeyValueStore onRotated = new RaftKeyValueStore(g.peers.get(0), false, Duration.ofSeconds(5),
                    Duration.ofSeconds(10))) {
                assertThat(onRotated.create("/r/during", "2", false)).isTrue();
                assertThat(onRotated.getPrefix("/r/")).extracting(KeyValue::value).containsExactly("2", "1");
            }
            // a client that knows only the new password is accepted by the rotated peers
            try (RaftKeyValueStore client = RaftKeyValueStore.client(List.of(g.addrs.get(0), g.addrs.get(1)),
                    "new-password-7654321", Duration.ofSeconds(5), Duration.ofSeconds(10))) {
                assertThat(client.getPrefix("/r/")).hasSize(2);
            }
        } finally {
            g.destroy();
        }
    }
}
