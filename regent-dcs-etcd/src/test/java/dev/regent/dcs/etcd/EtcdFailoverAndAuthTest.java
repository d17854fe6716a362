package dev.regent.dcs.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.testkit.EtcdProcess;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Host failover, outages and authentication against real etcd processes. */
class EtcdFailoverAndAuthTest {

    private static int deadPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void deadFirstHostIsSkipped() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start()) {
            String hosts = "127.0.0.1:" + deadPort() + "," + etcd.hostPort();
            EtcdKeyValueStore store = EtcdKeyValueStore.fromConfig(Map.of("hosts", hosts), Duration.ofSeconds(2),
                    Duration.ofSeconds(5));
            long t0 = System.nanoTime();
            assertThat(store.create("/failover/leader", "pg0", true)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
            assertThat(store.getPrefix("/failover/")).extracting(KeyValue::value).containsExactly("pg0");
            store.closeSession();
        }
    }

    @Test
    void outageIsReportedWithinRetryTimeoutAndRecovers() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start()) {
            EtcdKeyValueStore store = EtcdKeyValueStore.fromConfig(Map.of("url", etcd.endpoint()),
                    Duration.ofSeconds(2), Duration.ofSeconds(1));
            store.put("/outage/config", "{}", false);
            etcd.kill();
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> store.getPrefix("/outage/")).isInstanceOf(DcsException.class)
                    .hasMessageContaining("retry_timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
            etcd.restart();
            assertThat(store.getPrefix("/outage/")).extracting(KeyValue::value).containsExactly("{}");
        }
    }

    @Test
    void authenticatesAndReauthenticatesAfterTokenLoss() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start()) {
            etcd.etcdctl("user", "add", "root:secret");
            etcd.etcdctl("auth", "enable");
            EtcdKeyValueStore wrong = EtcdKeyValueStore.fromConfig(Map.of("host", etcd.hostPort(), "username",
                    "root", "password", "nope"), Duration.ofSeconds(2), Duration.ofSeconds(2));
            assertThatThrownBy(() -> wrong.getPrefix("/auth/")).isInstanceOf(DcsException.class)
                    .hasMessageContaining("authentication");
            EtcdKeyValueStore store = EtcdKeyValueStore.fromConfig(Map.of("host", etcd.hostPort(), "username",
                    "root", "password", "secret"), Duration.ofSeconds(2), Duration.ofSeconds(5));
            assertThat(store.create("/auth/leader", "pg0", false)).isTrue();
            etcd.restart();  // simple tokens live in memory: the old token is now invalid
            assertThat(store.getPrefix("/auth/")).extracting(KeyValue::value).containsExactly("pg0");
            assertThat(store.deleteIfValue("/auth/leader", "pg0")).isTrue();
        }
    }

    @Test
    void badConfigNamesTheKey() {
        assertThatThrownBy(() -> EtcdConfig.fromMap(Map.of("hosts", 5))).hasMessageContaining("etcd3.hosts");
        assertThatThrownBy(() -> EtcdConfig.fromMap(Map.of("url", "ftp://x:1"))).hasMessageContaining("etcd3.url");
        assertThatThrownBy(() -> EtcdConfig.fromMap(Map.of("protocol", "gopher")))
                .hasMessageContaining("etcd3.protocol");
        assertThatThrownBy(() -> EtcdConfig.fromMap(Map.of("host", "h:1", "username", "u")))
                .hasMessageContaining("etcd3.password");
        assertThatThrownBy(() -> EtcdConfig.fromMap(Map.of("use_proxies", "maybe")))
                .hasMessageContaining("etcd3.use_proxies");
        assertThatThrownBy(() -> EtcdConfig.fromMap(Map.of("cacert", "/nonexistent/ca.pem")))
                .hasMessageContaining("etcd3.cacert: cannot read /nonexistent/ca.pem");
        assertThat(EtcdConfig.fromMap(Map.of("hosts", List.of("a:1", "b"), "protocol", "https")).endpoints())
                .extracting(Object::toString).containsExactly("https://a:1", "https://b:2379");
        assertThat(EtcdConfig.fromMap(Map.of()).endpoints()).extracting(Object::toString)
                .containsExactly("http://127.0.0.1:2379");
    }
}
