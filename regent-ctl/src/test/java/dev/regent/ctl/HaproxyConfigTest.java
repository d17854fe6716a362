package dev.regent.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.testkit.HaproxyProcess;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The configuration {@code regentctl haproxy-config} prints: its pieces, its errors, and HAProxy accepting it. */
class HaproxyConfigTest {
    private static final List<HaproxyConfig.Server> THREE = List.of(
            HaproxyConfig.Server.of("node1", "postgres://10.0.0.2:5433/postgres", "http://10.0.0.2:8009/patroni"),
            HaproxyConfig.Server.of("node0", "postgres://10.0.0.1:5432/postgres", "http://10.0.0.1:8008/patroni"),
            HaproxyConfig.Server.of("node2", "postgres://10.0.0.3/postgres", "http://10.0.0.3/patroni"));

    private static HaproxyConfig.Options options(String lag) {
        return new HaproxyConfig.Options("batman", "*", 5000, 5001, lag, false, null, null, 0);
    }

    @Test
    void primaryAndReplicaListenersWithTheBaselineCheckTimings() {
        String cfg = HaproxyConfig.render(options("1MB"), THREE);
        assertThat(cfg).contains("listen batman_primary\n    bind *:5000\n    option httpchk GET /primary\n"
                + "    http-check expect status 200\n"
                + "    default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions\n"
                + "    server node0 10.0.0.1:5432 check port 8008\n"
                + "    server node1 10.0.0.2:5433 check port 8009\n"
                + "    server node2 10.0.0.3:5432 check port 8008\n");
        assertThat(cfg).contains("listen batman_replicas\n    bind *:5001\n    option httpchk GET /replica?lag=1MB\n");
        assertThat(cfg).as("no statistics page unless asked").doesNotContain("stats");
        assertThat(cfg.lines().filter(l -> l.startsWith("#"))).as("documented").hasSizeGreaterThan(3);
    }

    @Test
    void withoutLagReplicasAreCheckedOnPlainReplica() {
        assertThat(HaproxyConfig.render(options(null), THREE)).contains("option httpchk GET /replica\n");
    }

    @Test
    void checksGoToTheApiHostWhenItDiffersFromPostgresHost() {
        String cfg = HaproxyConfig.render(options(null), List.of(HaproxyConfig.Server.of("a b/c",
                "postgres://db.example:5432/postgres", "http://api.example:8008/patroni")));
        assertThat(cfg).contains("    server a_b_c db.example:5432 check addr api.example port 8008\n");
    }

    @Test
    void httpsApisAreCheckedWithCheckSslAndTheClientCertificate() {
        var servers = List.of(HaproxyConfig.Server.of("n0", "postgres://127.0.0.1:5432/postgres",
                "https://127.0.0.1:8008/patroni"));
        assertThat(HaproxyConfig.render(new HaproxyConfig.Options("c", "127.0.0.1", 5000, 5001, null, false,
                "/etc/haproxy/client.pem", "/etc/haproxy/ca.pem", 7000), servers))
                .contains("    server n0 127.0.0.1:5432 check port 8008 check-ssl verify required ca-file"
                        + " /etc/haproxy/ca.pem crt /etc/haproxy/client.pem\n")
                .contains("listen stats\n    mode http\n    bind 127.0.0.1:7000\n");
        assertThat(HaproxyConfig.render(options(null), servers)).as("no CA: HAProxy cannot verify")
                .contains("check port 8008 check-ssl verify none\n");
        assertThat(HaproxyConfig.render(new HaproxyConfig.Options("c", "*", 5000, 5001, null, true, null, null, 0),
                THREE)).as("--ssl on http api_urls").contains("server node0 10.0.0.1:5432 check port 8008 check-ssl"
                + " verify none\n");
    }

    @Test
    void badInputGetsAnErrorNamingIt() {
        assertThatThrownBy(() -> options("lots")).hasMessageContaining("--lag lots");
        assertThatThrownBy(() -> new HaproxyConfig.Options("c", "*", 5000, 5000, null, false, null, null, 0))
                .hasMessageContaining("must differ");
        assertThatThrownBy(() -> new HaproxyConfig.Options("c", "*", 0, 5001, null, false, null, null, 0))
                .hasMessageContaining("--primary-port 0");
        assertThatThrownBy(() -> HaproxyConfig.render(new HaproxyConfig.Options("c", "*", 5000, 5001, null, false,
                "/x.pem", null, 0), THREE)).hasMessageContaining("--crt and --ca-file need HTTPS");
        assertThatThrownBy(() -> HaproxyConfig.Server.of("n9", null, "http://h:8008/patroni"))
                .hasMessage("member n9 publishes no conn_url");
        assertThatThrownBy(() -> HaproxyConfig.Server.of("n9", "postgres://h/p", "ftp://h/patroni"))
                .hasMessageContaining("member n9: api_url ftp://h/patroni is not an http(s) URL");
        assertThatThrownBy(() -> HaproxyConfig.render(options(null), List.of())).hasMessageContaining("no members");
    }

    @Test
    void haproxyAcceptsEveryVariant() {
        assertThat(HaproxyProcess.check(HaproxyConfig.render(options("16kB"), THREE))).doesNotContain("WARNING");
        HaproxyProcess.check(HaproxyConfig.render(new HaproxyConfig.Options("c", "127.0.0.1", 5000, 5001, null, true,
                null, null, 7000), THREE));
    }

    @Test
    void haproxyRejectsABrokenFileWithItsOwnMessage() {
        assertThatThrownBy(() -> HaproxyProcess.check("listen x\n    bind *:5000\n    no-such-keyword 1\n"))
                .hasMessageContaining("rejected").hasMessageContaining("no-such-keyword");
    }
}
