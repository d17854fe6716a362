package dev.regent.dcs.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ZooKeeperConfigTest {

    @Test
    void hostsAsListOrCommaStringWithPatronisDefaultPort() {
        assertThat(ZooKeeperConfig.fromMap(Map.of("hosts", List.of("zk1:2181", "zk2"))).connectString())
                .isEqualTo("zk1:2181,zk2:2181");
        assertThat(ZooKeeperConfig.fromMap(Map.of("hosts", " zk1:2182, zk2 ,")).connectString())
                .isEqualTo("zk1:2182,zk2:2181");
        assertThat(ZooKeeperConfig.fromMap(Map.of("hosts", "[::1]:2181,[::2]")).connectString())
                .isEqualTo("[::1]:2181,[::2]:2181");
    }

    @Test
    void badSectionsNameTheKey() {
        assertThatThrownBy(() -> ZooKeeperConfig.fromMap(Map.of())).hasMessage("zookeeper.hosts is required");
        assertThatThrownBy(() -> ZooKeeperConfig.fromMap(Map.of("hosts", 5)))
                .hasMessage("zookeeper.hosts must be a list or a comma-separated string");
        assertThatThrownBy(() -> ZooKeeperConfig.fromMap(Map.of("hosts", ",")))
                .hasMessage("zookeeper.hosts is empty");
        assertThatThrownBy(() -> ZooKeeperConfig.fromMap(Map.of("hosts", "zk1:http")))
                .hasMessage("zookeeper.hosts: 'zk1:http' is not host:port");
        assertThatThrownBy(() -> ZooKeeperConfig.fromMap(Map.of("hosts", "zk1", "use_ssl", "maybe")))
                .hasMessage("zookeeper.use_ssl must be true or false, not 'maybe'");
        assertThat(ZooKeeperConfig.fromMap(Map.of("hosts", "zk1", "use_ssl", false)).tls()).isNull();
        assertThatThrownBy(() -> ZooKeeperConfig.fromMap(Map.of("hosts", "zk1", "use_ssl", true, "cacert",
                "/nonexistent/ca.pem"))).hasMessage("zookeeper.cacert: cannot read /nonexistent/ca.pem");
        assertThat(ZooKeeperConfig.fromMap(Map.of("hosts", "zk1", "use_ssl", true, "verify", false)).tls())
                .isEqualTo(new ZooKeeperTls(null, null, null, false));
    }

    @Test
    void timeoutsFollowPatroni() {
        ZooKeeperTimeouts t = new ZooKeeperTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(10));
        assertThat(t.sessionMillis()).isEqualTo(30_000);
        assertThat(t.connect()).as("kazoo's connect timeout: retry_timeout / 2").isEqualTo(Duration.ofSeconds(5));
        assertThat(new ZooKeeperTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(1)).connect())
                .as("at least 1 s").isEqualTo(Duration.ofSeconds(1));
        assertThat(ZooKeeperTimeouts.nextBackoff(null)).isEqualTo(Duration.ofMillis(100));
        assertThat(ZooKeeperTimeouts.nextBackoff(Duration.ofMillis(400))).isEqualTo(Duration.ofMillis(800));
        assertThat(ZooKeeperTimeouts.nextBackoff(Duration.ofMillis(800))).as("KazooRetry max_delay=1")
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void keysAndPrefixesAsZnodes() {
        assertThat(Paths.znode("/a/b/")).isEqualTo("/a/b");
        assertThat(Paths.split("/a/b/")).isEqualTo(new Paths.Split("/a/b", ""));
        assertThat(Paths.split("/a/le")).isEqualTo(new Paths.Split("/a", "le"));
        assertThat(Paths.split("/x")).isEqualTo(new Paths.Split("/", "x"));
        assertThat(Paths.matches("/a/b/", "/a/b")).as("the folder itself").isTrue();
        assertThat(Paths.matches("/a/b/", "/a/b/c")).isTrue();
        assertThat(Paths.matches("/a/b/", "/a/bc")).isFalse();
        assertThatThrownBy(() -> Paths.znode("leader")).hasMessageContaining("starts with '/'");
    }
}
