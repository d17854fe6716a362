package dev.regent.dcs.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.naming.NamingException;
import org.junit.jupiter.api.Test;

/** Patroni's SRV names, their order and what each kind of record yields (the DNS answers given by the test). */
class EtcdSrvDiscoveryTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private final Map<String, List<DnsSrv.Target>> records = new HashMap<>();
    private final List<String> asked = new ArrayList<>();
    private final List<URI> fetched = new ArrayList<>();

    private List<DnsSrv.Target> lookup(String name) throws NamingException {
        asked.add(name);
        if (name.startsWith("_etcd-ssl.")) throw new NamingException("SERVFAIL");
        return records.getOrDefault(name, List.of());
    }

    private List<String> fetch(URI members, Duration timeout) throws IOException {
        fetched.add(members);
        if (members.getPort() == 1) throw new IOException("connection refused");
        return List.of("http://10.0.0.1:2379", "http://10.0.0.2:2379/", "http://10.0.0.1:2379");
    }

    private List<URI> discover(String srv, String suffix) throws InterruptedException {
        return EtcdSrvDiscovery.discover(srv, suffix, TIMEOUT, this::lookup, this::fetch);
    }

    private static DnsSrv.Target target(String host, int port) {
        return new DnsSrv.Target(host, port, 0, 0);
    }

    @Test
    void namesFollowPatronisOrderWithTheSuffixAppended() {
        assertThat(EtcdSrvDiscovery.names("example.com", null)).containsExactly("_etcd-client-ssl._tcp.example.com",
                "_etcd-client._tcp.example.com", "_etcd-ssl._tcp.example.com", "_etcd._tcp.example.com",
                "_etcd-server-ssl._tcp.example.com", "_etcd-server._tcp.example.com");
        assertThat(EtcdSrvDiscovery.names("example.com", "foo")).containsExactly(
                "_etcd-client-ssl-foo._tcp.example.com", "_etcd-client-foo._tcp.example.com",
                "_etcd-ssl-foo._tcp.example.com", "_etcd-foo._tcp.example.com",
                "_etcd-server-ssl-foo._tcp.example.com", "_etcd-server-foo._tcp.example.com");
    }

    @Test
    void theFirstNameWithRecordsWinsAndSslNamesGiveHttps() throws Exception {
        records.put("_etcd-client-ssl._tcp.x.test", List.of(target("e1.x.test", 2379), target("e2.x.test", 2379)));
        records.put("_etcd-client._tcp.x.test", List.of(target("plain.x.test", 2379)));
        assertThat(discover("x.test", null)).extracting(URI::toString)
                .containsExactly("https://e1.x.test:2379", "https://e2.x.test:2379");
        assertThat(asked).containsExactly("_etcd-client-ssl._tcp.x.test");
    }

    @Test
    void aFailedLookupCountsAsNoRecordsAndServerRecordsListTheMembers() throws Exception {
        records.put("_etcd-server._tcp.x.test", List.of(target("dead.x.test", 1), target("peer.x.test", 2380),
                target("other.x.test", 2380)));
        assertThat(discover("x.test", null)).extracting(URI::toString)
                .containsExactly("http://10.0.0.1:2379", "http://10.0.0.2:2379");
        assertThat(asked).hasSize(6);
        // the first peer that answers is enough, as in Patroni
        assertThat(fetched).extracting(URI::toString)
                .containsExactly("http://dead.x.test:1/members", "http://peer.x.test:2380/members");
    }

    @Test
    void noRecordsAnywhereIsAnEmptyList() throws Exception {
        assertThat(discover("x.test", "foo")).isEmpty();
        assertThat(asked).isEqualTo(EtcdSrvDiscovery.names("x.test", "foo"));
    }

    @Test
    void recordsAreParsedAsTheJndiProviderSpellsThem() throws Exception {
        assertThat(DnsSrv.parse("n", "10 60 2379 etcd1.example.com."))
                .isEqualTo(new DnsSrv.Target("etcd1.example.com", 2379, 10, 60));
        assertThatThrownBy(() -> DnsSrv.parse("n", "garbage")).isInstanceOf(NamingException.class)
                .hasMessageContaining("unreadable SRV record of n");
    }
}
