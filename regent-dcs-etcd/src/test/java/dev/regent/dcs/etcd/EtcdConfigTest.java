package dev.regent.dcs.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Patroni's precedence and spelling of the etcd3 connection settings. */
class EtcdConfigTest {

    @Test
    void proxyIsUsedAloneAndImpliesUseProxies() {
        EtcdConfig c = EtcdConfig.fromMap(Map.of("proxy", "http://p:2379", "url", "http://u:1", "hosts", "h:1",
                "srv", "example.com"));
        assertThat(c.endpoints()).extracting(Object::toString).containsExactly("http://p:2379");
        assertThat(c.useProxies()).isTrue();
        assertThat(c.srv()).isNull();
    }

    @Test
    void urlGivesProtocolHostPortAndCredentials() {
        EtcdConfig c = EtcdConfig.fromMap(Map.of("url", "https://bob:pw@e1/", "protocol", "http"));
        assertThat(c.endpoints()).extracting(Object::toString).containsExactly("https://e1:2379");
        assertThat(c.username()).isEqualTo("bob");
        assertThat(c.password()).isEqualTo("pw");
        assertThat(c.useProxies()).isFalse();
    }

    @Test
    void srvComesFirstWithTheHostsAsFallback() {
        EtcdConfig c = EtcdConfig.fromMap(Map.of("srv", "example.com", "srv_suffix", "foo", "hosts",
                List.of("h1:1", "h2"), "use_proxies", "true"));
        assertThat(c.srv()).isEqualTo("example.com");
        assertThat(c.srvSuffix()).isEqualTo("foo");
        assertThat(c.endpoints()).extracting(Object::toString).containsExactly("http://h1:1", "http://h2:2379");
        assertThat(c.useProxies()).isTrue();
        EtcdConfig srvOnly = EtcdConfig.fromMap(Map.of("srv", "example.com"));
        assertThat(srvOnly.endpoints()).isEmpty();
        assertThat(srvOnly.useProxies()).isFalse();
    }

    @Test
    void tlsFilesAreCheckedAtStartUp() {
        assertThatThrownBy(() -> EtcdConfig.fromMap(Map.of("protocol", "https", "cert", "/nonexistent/c.pem")))
                .hasMessage("etcd3.cert: cannot read /nonexistent/c.pem");
        assertThat(EtcdConfig.fromMap(Map.of("protocol", "https")).tls()).as("JDK defaults").isNull();
    }
}
