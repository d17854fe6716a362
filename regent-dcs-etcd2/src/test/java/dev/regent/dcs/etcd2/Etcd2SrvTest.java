package dev.regent.dcs.etcd2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.KeyValue;
import dev.regent.dcs.discovery.DnsSrv;
import dev.regent.testkit.Dnsmasq;
import dev.regent.testkit.EtcdCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code srv} and {@code srv_suffix} for the v2 API through a real dnsmasq on a free high port (the resolver named
 * by {@code regent.dns.server}) and a real etcd with {@code --enable-v2}: client records, a suffixed name, the
 * {@code _etcd-server} fallback (the peer port's {@code /members}), the configured host as the fallback of an empty
 * SRV, and no endpoint at all.
 */
class Etcd2SrvTest {
    @TempDir
    static Path dir;
    private static EtcdCluster etcd;
    private static Dnsmasq dns;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdCluster.startWithV2(1, null);
        int client = etcd.clientPort(0);
        dns = Dnsmasq.start(dir, List.of("_etcd-client._tcp.a.test,127.0.0.1," + client,
                "_etcd-client-foo._tcp.b.test,127.0.0.1," + client,
                "_etcd-server._tcp.c.test,127.0.0.1," + etcd.peerPort(0)));
        System.setProperty(DnsSrv.SERVER_PROPERTY, dns.url());
    }

    @AfterAll
    static void stop() {
        System.clearProperty(DnsSrv.SERVER_PROPERTY);
        if (dns != null) dns.close();
        if (etcd != null) etcd.close();
    }

    private static Etcd2KeyValueStore store(Map<String, Object> section) {
        return Etcd2KeyValueStore.fromConfig(section, Duration.ofSeconds(10), Duration.ofSeconds(3));
    }

    @Test
    void clientRecordsSuffixedNamesAndServerRecords() throws Exception {
        store(Map.of("srv", "a.test")).put("/srv/config", "a", false);
        assertThat(store(Map.of("srv", "b.test", "srv_suffix", "foo")).getPrefix("/srv/"))
                .extracting(KeyValue::value).containsExactly("a");
        assertThat(store(Map.of("srv", "c.test")).getPrefix("/srv/")).extracting(KeyValue::value)
                .containsExactly("a");
    }

    @Test
    void theHostIsTheFallbackOfAnEmptySrvAndNothingAtAllIsAClearError() throws Exception {
        assertThat(store(Map.of("srv", "none.test", "host", etcd.hostPort(0))).create("/srv2/leader", "pg0", false))
                .isTrue();
        assertThatThrownBy(() -> store(Map.of("srv", "none.test"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("etcd.srv: no etcd endpoint in the DNS SRV records of 'none.test'");
    }
}
