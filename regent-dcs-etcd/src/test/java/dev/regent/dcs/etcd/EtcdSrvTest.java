package dev.regent.dcs.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.discovery.DnsSrv;
import dev.regent.testkit.Dnsmasq;
import dev.regent.testkit.EtcdCluster;
import dev.regent.testkit.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code srv} and {@code srv_suffix} discovery through a real dnsmasq on a free high port (the resolver named by
 * {@code regent.dns.server}), against a real etcd: client records, a suffixed name, the {@code _etcd-server} fallback
 * (the peer port's {@code /members}), no record at all, and the configured hosts as the fallback of an empty SRV.
 */
class EtcdSrvTest {
    private static final Duration TTL = Duration.ofSeconds(10);
    @TempDir
    static Path dir;
    private static EtcdCluster etcd;
    private static EtcdCluster tlsEtcd;
    private static TestPki pki;
    private static Dnsmasq dns;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdCluster.start(1, null);
        pki = TestPki.create(Files.createDirectories(dir.resolve("pki")));
        tlsEtcd = EtcdCluster.start(1, pki);
        int client = etcd.clientPort(0);
        dns = Dnsmasq.start(dir, List.of("_etcd-client._tcp.a.test,127.0.0.1," + client,
                "_etcd-client-foo._tcp.b.test,127.0.0.1," + client,
                "_etcd-server._tcp.c.test,127.0.0.1," + etcd.peerPort(0),
                // the ssl name is asked first and gives https; the plain one (the other etcd) is not used
                "_etcd-client-ssl._tcp.d.test,127.0.0.1," + tlsEtcd.clientPort(0),
                "_etcd-client._tcp.d.test,127.0.0.1," + client));
        System.setProperty(DnsSrv.SERVER_PROPERTY, dns.url());
    }

    @AfterAll
    static void stop() {
        System.clearProperty(DnsSrv.SERVER_PROPERTY);
        if (dns != null) dns.close();
        if (etcd != null) etcd.close();
        if (tlsEtcd != null) tlsEtcd.close();
    }

    private static EtcdKeyValueStore store(Map<String, Object> section) {
        return EtcdKeyValueStore.fromConfig(section, TTL, Duration.ofSeconds(3));
    }

    @Test
    void clientRecordsGiveTheEndpoints() throws Exception {
        EtcdKeyValueStore s = store(Map.of("srv", "a.test"));
        s.put("/srv-a/config", "{}", false);
        assertThat(s.getPrefix("/srv-a/")).extracting(KeyValue::value).containsExactly("{}");
        assertThat(s.endpoints()).extracting(Object::toString).containsExactly(etcd.clientUrl(0));
        EtcdKeyValueStore proxies = store(Map.of("srv", "a.test", "use_proxies", true));
        assertThat(proxies.getPrefix("/srv-a/")).hasSize(1);
    }

    @Test
    void sslRecordsComeFirstAndGiveHttpsWithTheConfiguredCertificates() throws Exception {
        EtcdKeyValueStore s = store(Map.of("srv", "d.test", "cacert", pki.ca().toString(), "cert",
                pki.clientCert().toString(), "key", pki.clientKey().toString()));
        s.put("/srv-d/config", "{}", false);
        assertThat(s.endpoints()).extracting(Object::toString).containsExactly(tlsEtcd.clientUrl(0));
        assertThat(store(Map.of("host", etcd.hostPort(0))).getPrefix("/srv-d/")).as("not the plain etcd").isEmpty();
    }

    @Test
    void suffixIsAppendedToTheServiceName() throws Exception {
        assertThat(store(Map.of("srv", "b.test", "srv_suffix", "foo")).getPrefix("/srv-b/")).isEmpty();
        EtcdKeyValueStore unsuffixed = store(Map.of("srv", "b.test"));
        assertThatThrownBy(() -> unsuffixed.getPrefix("/srv-b/")).isInstanceOf(DcsException.class)
                .hasMessageContaining("no etcd endpoint");
    }

    @Test
    void serverRecordsAreAskedForTheMembersClientUrls() throws Exception {
        EtcdKeyValueStore s = store(Map.of("srv", "c.test", "use_proxies", true));
        s.put("/srv-c/config", "{}", false);
        assertThat(s.endpoints()).extracting(Object::toString).containsExactly(etcd.clientUrl(0));
    }

    @Test
    void withoutRecordsTheHostsAreTheFallbackElseTheStoreReportsNoEndpoint() throws Exception {
        EtcdKeyValueStore fallback = store(Map.of("srv", "none.test", "host", etcd.hostPort(0)));
        assertThat(fallback.getPrefix("/srv-none/")).isEmpty();
        EtcdKeyValueStore nothing = store(Map.of("srv", "none.test"));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> nothing.getPrefix("/srv-none/")).isInstanceOf(DcsException.class)
                .hasMessage("no etcd endpoint: etcd3.srv none.test has no SRV record (asked "
                        + "_etcd-client-ssl._tcp.none.test, _etcd-client._tcp.none.test, _etcd-ssl._tcp.none.test, "
                        + "_etcd._tcp.none.test, _etcd-server-ssl._tcp.none.test, _etcd-server._tcp.none.test) and no "
                        + "host is configured");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    }
}
