package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.ctl.RegentCtl;
import dev.regent.daemon.tls.ClientTls;
import dev.regent.testkit.TestPki;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A 3-node cluster whose REST APIs serve HTTPS with {@code verify_client: required} and a private CA: the daemons
 * publish {@code https} api_urls and reach each other with their {@code ctl} client certificate (the switchover's
 * candidate check and the leader race probe peers), and regentctl switches over with its own client certificate.
 * A real HAProxy checks the APIs with {@code check-ssl}, a client certificate ({@code crt}) and the CA
 * ({@code ca-file}), as {@code regentctl haproxy-config --crt --ca-file} configures it, and routes a client to the
 * primary before and after the switchover; without the certificate its checks fail.
 * PostgreSQL takes TCP connections only over TLS by client certificate ({@code hostssl ... cert}), so every connection
 * the daemons make or configure (pgjdbc, pg_basebackup, primary_conninfo, pg_rewind) uses its user's
 * {@code postgresql.authentication} SSL options. Debian's patronictl 3.0.2, with its {@code ctl} TLS settings (client
 * certificate, encrypted key), lists the cluster, reads every member's API and switches back over through the API.
 * A replica's {@code POST /reload} with other SSL options for the replication user rewrites its primary_conninfo.
 */
class TlsClusterEndToEndTest {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private LocalCluster cluster;
    private final java.util.List<ClusterHaproxy> haproxies = new java.util.ArrayList<>();

    @AfterEach
    void stop() {
        haproxies.forEach(ClusterHaproxy::close);
        if (cluster != null) cluster.close();
    }

    @Test
    void aClusterRequiringClientCertificatesSwitchesOverThroughRegentctl() throws Exception {
        cluster = LocalCluster.create(3, 20, 2, 4);
        TestPki pki = TestPki.create(Files.createDirectories(cluster.dir().resolve("pki")));
        for (String user : List.of("postgres", "replicator", "rewind_user")) pki.clientCertificate(user);
        // PostgreSQL and libpq (run as the postgres OS user) refuse keys that others can read
        new dev.regent.postgres.CommandRunner().chownRecursively(pki.dir());
        try (var files = Files.list(pki.dir())) {
            for (Path k : files.filter(f -> f.toString().endsWith(".key")).toList()) {
                Files.setPosixFilePermissions(k, PosixFilePermissions.fromString("rw-------"));
            }
        }
        String node0 = null;
        for (int i = 0; i < 3; i++) {
            Path config = cluster.dir().resolve(cluster.node(i).name() + ".yml");
            String yaml = withCertificateAuthentication(Files.readString(config), pki).replace("restapi:\n",
                    "restapi:\n"
                    + "  certfile: " + pki.serverCert() + "\n"
                    + "  keyfile: " + pki.serverKey() + "\n"
                    + "  cafile: " + pki.ca() + "\n"
                    + "  verify_client: required\n");
            if (i == 0) node0 = yaml;
            // the daemons call each other with the server certificate (it has clientAuth); ctl.cacert falls back on
            // restapi.cafile
            Files.writeString(config, yaml + "\nctl:\n  certfile: " + pki.serverCert() + "\n  keyfile: "
                    + pki.serverKey() + "\n");
        }
        for (int i = 0; i < 3; i++) cluster.node(i).start();
        ClusterView healthy = cluster.awaitHealthy(HEALTHY);
        for (Member m : healthy.members()) {
            assertThat(m.apiUrl()).as(m.name()).startsWith("https://127.0.0.1:").endsWith("/patroni");
        }
        String leader = healthy.leader().name();
        int leaderPort = cluster.layout().restPort(cluster.index(leader));
        assertThat(replicasOverTls(pki, cluster.layout().pgPort(cluster.index(leader))))
                .as("both replicas stream over TLS as replicator, by certificate").isEqualTo(2);

        HttpClient withCert = new ClientTls(false, pki.ca().toString(), pki.clientCert().toString(),
                pki.clientKeyEncrypted().toString(), TestPki.KEY_PASSWORD).httpClient(Duration.ofSeconds(5));
        HttpClient withoutCert = new ClientTls(false, pki.ca().toString(), null, null, null)
                .httpClient(Duration.ofSeconds(5));
        URI primary = URI.create("https://127.0.0.1:" + leaderPort + "/primary");
        assertThat(withCert.send(HttpRequest.newBuilder(primary).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> withoutCert.send(HttpRequest.newBuilder(primary).build(),
                HttpResponse.BodyHandlers.ofString())).as("health checks need a certificate too")
                .isInstanceOf(IOException.class);

        // regentctl on node0's file (its DCS section) with a ctl section of its own: client certificate, encrypted key
        Path ctlFile = cluster.dir().resolve("ctl.yml");
        Files.writeString(ctlFile, node0 + "\nctl:\n  cacert: " + pki.ca() + "\n  certfile: " + pki.clientCert()
                + "\n  keyfile: " + pki.clientKeyEncrypted() + "\n  keyfile_password: " + TestPki.KEY_PASSWORD + "\n");
        ClusterHaproxy haproxy = ClusterHaproxy.start(cluster, ctlFile, "--crt", pki.clientCombined().toString(),
                "--ca-file", pki.ca().toString());
        haproxies.add(haproxy);
        assertThat(haproxy.config()).contains(" check-ssl verify required ca-file " + pki.ca() + " crt "
                + pki.clientCombined());
        haproxy.awaitPrimary(leader, HEALTHY);
        assertThat(serverPortThrough(haproxy, pki)).isEqualTo(haproxy.pgPort(leader));
        // the same without the client certificate: every TLS handshake of the checks is refused
        ClusterHaproxy noCrt = ClusterHaproxy.start(cluster, ctlFile, "--ca-file", pki.ca().toString());
        haproxies.add(noCrt);
        noCrt.process().awaitUp(noCrt.primaryProxy(), java.util.Set.of(), HEALTHY);
        noCrt.close();
        haproxies.remove(noCrt);

        String candidate = healthy.members().stream().map(Member::name).filter(n -> !n.equals(leader)).findFirst()
                .orElseThrow();
        String[] result = regentctl(ctlFile, "switchover", "--force", "--candidate", candidate);
        assertThat(result[0]).as(String.join("\n", result) + cluster.logs()).isEqualTo("0");
        assertThat(result[1]).as("through the leader's API, not the DCS fallback" + cluster.logs())
                .contains("Successfully switched over to \"" + candidate + "\"").doesNotContain("falling back to DCS");
        cluster.await("the candidate leads", HEALTHY, c -> c.leader() != null && candidate.equals(c.leader().name())
                && dev.regent.daemon.demo.Demo.healthy(c, 3));
        haproxy.awaitPrimary(candidate, HEALTHY);
        assertThat(serverPortThrough(haproxy, pki)).as("a client of HAProxy reaches the new primary")
                .isEqualTo(haproxy.pgPort(candidate));
        int candidatePg = cluster.layout().pgPort(cluster.index(candidate));
        cluster.await("the old leader streams from the candidate over TLS", HEALTHY,
                c -> replicasOverTls(pki, candidatePg) == 2);

        // Debian's patronictl 3.0.2 with its own ctl section (client certificate with an encrypted key) reads every
        // member's API (version) and switches back over through the API
        PatroniCtl patronictl = PatroniCtl.forEtcd3(cluster.dir(), "it", "/service", cluster.etcd().hostPort())
                .withSections("ctl:\n  cacert: " + pki.ca() + "\n  certfile: " + pki.clientCert() + "\n  keyfile: "
                        + pki.clientKeyEncrypted() + "\n  keyfile_password: " + TestPki.KEY_PASSWORD);
        assertThat(InteropSupport.listJson(patronictl).keySet()).as("patronictl list")
                .containsExactlyInAnyOrderElementsOf(healthy.members().stream().map(Member::name).toList());
        String versions = patronictl.run("version", "it").assertOk("version").output();
        for (Member m : healthy.members()) {
            assertThat(versions).as("every member's GET /patroni over TLS").contains(m.name() + ": Patroni ")
                    .doesNotContain("failed to get version");
        }
        String back = patronictl.run("switchover", "--force", "--candidate", leader).assertOk("switchover").output();
        assertThat(back).as("through the API, not the DCS fallback" + cluster.logs())
                .contains("Successfully switched over to \"" + leader + "\"").doesNotContain("falling back to DCS");
        cluster.await("the old leader leads again", HEALTHY, c -> c.leader() != null
                && leader.equals(c.leader().name()) && dev.regent.daemon.demo.Demo.healthy(c, 3));

        // a reload (POST /reload) with other SSL options for the replication user: the replica's primary_conninfo is
        // rewritten with them and it streams again, as after Patroni's reload
        Path candidateConfig = cluster.dir().resolve(candidate + ".yml");
        String before = Files.readString(candidateConfig);
        String replicatorBlock = "      username: replicator\n      sslmode: verify-full\n";
        assertThat(before).contains(replicatorBlock);
        Files.writeString(candidateConfig, before.replace(replicatorBlock,
                "      username: replicator\n      sslmode: verify-ca\n"));
        URI reload = URI.create("https://127.0.0.1:" + cluster.layout().restPort(cluster.index(candidate)) + "/reload");
        assertThat(withCert.send(HttpRequest.newBuilder(reload).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(202);
        int candidatePgPort = cluster.layout().pgPort(cluster.index(candidate));
        int leaderPg = cluster.layout().pgPort(cluster.index(leader));
        cluster.await("the reloaded replica's primary_conninfo, streaming by certificate", HEALTHY,
                c -> primaryConninfo(pki, candidatePgPort).contains(" sslmode=verify-ca ")
                        && replicasOverTls(pki, leaderPg) == 2);

        // without its certificate regentctl cannot reach the API (and, like patronictl, writes /failover instead)
        Path noCert = cluster.dir().resolve("ctl-nocert.yml");
        Files.writeString(noCert, node0 + "\nctl:\n  cacert: " + pki.ca() + "\n");
        assertThat(regentctl(noCert, "switchover", "--force", "--candidate", candidate)[1])
                .contains("Could not switchover using Patroni api, falling back to DCS");
    }

    /** The port of the PostgreSQL server a client of HAProxy's primary listener reaches, read-write. */
    private static int serverPortThrough(ClusterHaproxy haproxy, TestPki pki) throws java.sql.SQLException {
        // PostgreSQL takes TCP only by certificate: through HAProxy as well (TCP mode passes TLS through)
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(haproxy.primaryJdbcUrl(),
                certificateLogin(pki));
             java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT inet_server_port(), pg_is_in_recovery()")) {
            rs.next();
            assertThat(rs.getBoolean(2)).as("in recovery").isFalse();
            return rs.getInt(1);
        }
    }

    /**
     * PostgreSQL accepts TCP connections only over TLS with a client certificate whose CN is the role
     * ({@code hostssl ... cert}); every user of {@code postgresql.authentication} gets {@code sslmode: verify-full},
     * the CA and its certificate, so the daemons' own connections (pgjdbc), pg_basebackup, primary_conninfo and
     * pg_rewind all authenticate by certificate.
     */
    private static String withCertificateAuthentication(String yaml, TestPki pki) {
        String out = yaml.replace("postgresql:\n  listen:", "postgresql:\n  pg_hba:\n  - local all all trust\n"
                + "  - hostssl replication replicator 127.0.0.1/32 cert\n  - hostssl all all 127.0.0.1/32 cert\n"
                + "  listen:");
        out = out.replace("  parameters:\n    unix_socket_directories: '/tmp'\n", "  parameters:\n"
                + "    unix_socket_directories: '/tmp'\n    ssl: 'on'\n    ssl_cert_file: " + pki.serverCert() + "\n"
                + "    ssl_key_file: " + pki.serverKey() + "\n    ssl_ca_file: " + pki.ca() + "\n");
        for (String user : List.of("postgres", "replicator", "rewind_user")) {
            out = out.replace("      username: " + user + "\n", "      username: " + user + "\n"
                    + "      sslmode: verify-full\n      sslrootcert: " + pki.ca() + "\n"
                    + "      sslcert: " + pki.dir().resolve(user + ".pem") + "\n"
                    + "      sslkey: " + pki.keyOf(user) + "\n");
        }
        assertThat(out).contains("hostssl all all", "ssl_cert_file", "sslcert: " + pki.dir().resolve("rewind_user.pem"));
        return out;
    }

    /** Walsenders on the server at {@code port} that serve {@code replicator} over TLS by its certificate. */
    private static int replicasOverTls(TestPki pki, int port) {
        try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                certificateLogin(pki));
             var rs = c.createStatement().executeQuery("SELECT count(*) FROM pg_stat_replication r"
                     + " JOIN pg_stat_ssl s USING (pid) WHERE s.ssl AND s.client_dn = '/CN=replicator'"
                     + " AND r.usename = 'replicator' AND r.state = 'streaming'")) {
            rs.next();
            return rs.getInt(1);
        } catch (java.sql.SQLException e) {
            return -1;
        }
    }

    /** {@code primary_conninfo} of the server at {@code port} (empty when it cannot be read). */
    private static String primaryConninfo(TestPki pki, int port) {
        try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                certificateLogin(pki));
             var rs = c.createStatement().executeQuery("SHOW primary_conninfo")) {
            rs.next();
            return rs.getString(1);
        } catch (java.sql.SQLException e) {
            return "";
        }
    }

    /** pgjdbc properties that log in as {@code postgres} by its client certificate, verifying the server. */
    private static java.util.Properties certificateLogin(TestPki pki) {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", "postgres");
        p.setProperty("sslmode", "verify-full");
        p.setProperty("sslrootcert", pki.ca().toString());
        p.setProperty("sslcert", pki.dir().resolve("postgres.pem").toString());
        p.setProperty("sslkey", pki.keyOf("postgres").toString());
        p.setProperty("pemKeyAlgorithm", "EC");
        return p;
    }

    /** {exit code, stdout, stderr} of an in-process regentctl run. */
    private String[] regentctl(Path config, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] full = new String[args.length + 2];
        full[0] = "-c";
        full[1] = config.toString();
        System.arraycopy(args, 0, full, 2, args.length);
        int code = RegentCtl.run(full, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of("HOME", cluster.dir().toString()));
        return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8)};
    }
}
