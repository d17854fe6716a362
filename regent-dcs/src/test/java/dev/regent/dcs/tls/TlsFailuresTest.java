package dev.regent.dcs.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class TlsFailuresTest {
    private static final URI HTTPS = URI.create("https://127.0.0.1:2379");
    private static final URI HTTP = URI.create("http://127.0.0.1:2379");

    @Test
    void aTlsExceptionAnywhereInTheCausesNamesTheSettings() {
        IOException e = new IOException("wrapped", new SSLHandshakeException("PKIX path building failed"));
        assertThat(TlsFailures.describe("etcd3", HTTPS, e))
                .isEqualTo("TLS handshake failed (check etcd3.protocol, cacert, cert and key): PKIX path building failed");
    }

    @Test
    void aTls13ServerRefusingTheClientCertificateShowsOnlyAsAClosedConnection() {
        IOException e = new IOException("HTTP/1.1 header parser received no bytes");
        assertThat(TlsFailures.describe("etcd", HTTPS, e)).startsWith("TLS handshake failed (check etcd.protocol")
                .contains("requires a client certificate").contains("received no bytes");
    }

    @Test
    void plainHttpToATlsPortSuggestsHttps() {
        IOException e = new IOException("HTTP/1.1 header parser received no bytes");
        assertThat(TlsFailures.describe("etcd3", HTTP, e)).endsWith("(an https endpoint? check etcd3.protocol)");
    }

    @Test
    void otherFailuresAreReportedAsTheyCame() {
        IOException e = new java.net.ConnectException("Connection refused");
        assertThat(TlsFailures.describe("etcd3", HTTPS, e)).isEqualTo("java.net.ConnectException: Connection refused");
    }
}
