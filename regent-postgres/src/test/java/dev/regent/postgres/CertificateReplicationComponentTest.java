package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.core.config.NodeConfig.PgExtras;
import dev.regent.core.config.NodeConfig.PgUser;
import dev.regent.testkit.Await;
import dev.regent.testkit.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Real PostgreSQL 15 that accepts TCP connections only over TLS with a client certificate ({@code hostssl ... cert},
 * no password anywhere): the users' {@code sslmode=verify-full}, {@code sslrootcert}, {@code sslcert} and
 * {@code sslkey} carry the daemon's own connections (pgjdbc), pg_basebackup, the replica's primary_conninfo
 * (walreceiver) and pg_rewind (libpq), each as its own user, whose certificate's CN the server maps to the role.
 */
class CertificateReplicationComponentTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static final List<String> HBA = List.of("local all all trust",
            "hostssl replication replicator 127.0.0.1/32 cert", "hostssl all all 127.0.0.1/32 cert");

    @Test
    void cloneStreamAndRewindWithClientCertificates() throws Exception {
        try (PgTestNodes nodes = new PgTestNodes()) {
            Path dir = Files.createDirectories(nodes.base().resolve("pki"));
            TestPki pki = TestPki.create(dir);
            PgUser su = certUser(pki, "postgres");
            PgUser repl = certUser(pki, "replicator");
            PgUser rewind = certUser(pki, "rewinder");
            // libpq (run as the postgres OS user) refuses a key readable by others; postgres its server key too
            new CommandRunner().chownRecursively(dir);
            try (var files = Files.list(dir)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".key")).toList()) {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
                }
            }
            Map<String, Object> ssl = new LinkedHashMap<>();
            ssl.put("ssl", "on");
            ssl.put("ssl_cert_file", pki.serverCert().toString());
            ssl.put("ssl_key_file", pki.serverKey().toString());
            ssl.put("ssl_ca_file", pki.ca().toString());
            ssl.put("wal_log_hints", "on");
            PgExtras extras = new PgExtras(List.of("--debug"), null, null, null, null);
            Postgresql a = nodes.node("cert-a", ssl, HBA, su, repl, rewind, extras);
            Postgresql b = nodes.node("cert-b", ssl, HBA, su, repl, rewind, extras);

            a.initdb(List.of("--encoding=UTF8", "--locale=C"), null);
            a.writeConfig(Role.PRIMARY, null, null);
            assertThat(a.start(PgTestNodes.timeout())).isTrue();
            a.createUsers();  // over the daemon's connection: pgjdbc with the superuser's certificate
            assertThat(a.connection().queryStrings("SELECT ssl::text || ' ' || client_dn FROM pg_stat_ssl"
                    + " WHERE pid = pg_backend_pid()")).containsExactly("true /CN=postgres");
            assertThatThrownBy(() -> {
                try (PgConnection plain = new PgConnection("127.0.0.1", a.listen.port(), "postgres", "postgres",
                        null, 3)) {
                    plain.status();
                }
            }).as("without its certificate the superuser is refused").isInstanceOf(PostgresException.class);
            // sslcrl / sslcrldir: a server certificate the CA revoked is refused, one it did not is accepted
            Path revoked = pki.crl("revoked", pki.serverCert());
            Path clean = pki.crl("clean");
            assertThat(queryAs(a, su, "sslcrl", revoked.toString())).isInstanceOf(PostgresException.class)
                    .asString().containsIgnoringCase("revoked");
            assertThat(queryAs(a, su, "sslcrl", clean.toString())).isEqualTo("true");
            Path crlDir = Files.createDirectories(dir.resolve("crls"));
            Files.copy(revoked, crlDir.resolve("a.crl"));
            assertThat(queryAs(a, su, "sslcrldir", crlDir.toString())).isInstanceOf(PostgresException.class)
                    .asString().containsIgnoringCase("revoked");
            a.connection().execute("CREATE TABLE t (v text)");
            a.ensurePhysicalSlots(java.util.Set.of("cert_b"));

            // pg_basebackup and walreceiver as replicator, with its certificate
            b.basebackup(a.connUrl(), PgTestNodes.timeout());
            b.writeConfig(Role.REPLICA, a.connUrl(), "cert_b");
            assertThat(Files.readString(b.configDir().resolve("postgresql.conf")))
                    .contains("sslmode=verify-full sslcert=" + dir.resolve("replicator.pem"));
            assertThat(b.start(PgTestNodes.timeout())).isTrue();
            Await.until("cert-b streaming", WAIT, () -> "streaming".equals(b.status().replicationState()));
            assertThat(a.connection().queryStrings("SELECT s.ssl::text || ' ' || s.client_dn || ' ' || r.usename"
                    + " FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)"))
                    .containsExactly("true /CN=replicator replicator");
            a.connection().execute("INSERT INTO t VALUES ('over tls')");
            Await.until("row replicated", WAIT,
                    () -> b.connection().queryStrings("SELECT v FROM t").contains("over tls"));

            // the daemon's replication connection (IDENTIFY_SYSTEM) with the replication user's certificate
            assertThat(PgConnection.identifySystemTimeline("127.0.0.1", a.listen.port(), "replicator", null,
                    ConnInfo.userOptions(repl), 3)).isEqualTo(1);
            assertThatThrownBy(() -> PgConnection.identifySystemTimeline("127.0.0.1", a.listen.port(), "replicator",
                    null, Map.of(), 3)).isInstanceOf(PostgresException.class);

            // pg_rewind as rewinder (certificate), with postgresql.rewind's extra option
            assertThat(b.promote(PgTestNodes.timeout())).isNotNull();
            b.writeConfig(Role.PRIMARY, null, null);
            b.connection().execute("INSERT INTO t VALUES ('only on b')");
            b.checkpoint();
            b.ensurePhysicalSlots(java.util.Set.of("cert_a"));
            a.connection().execute("INSERT INTO t VALUES ('only on a')");
            assertThat(a.stop(StopMode.FAST, PgTestNodes.timeout())).isTrue();
            a.checkRewindSource(b.connUrl());  // pgjdbc, remote, rewinder's certificate
            a.rewind(b.connUrl(), PgTestNodes.timeout());
            a.writeConfig(Role.REPLICA, b.connUrl(), "cert_a");
            assertThat(a.start(PgTestNodes.timeout())).isTrue();
            Await.until("cert-a streaming from cert-b", WAIT, () -> "streaming".equals(a.status().replicationState()));
            assertThat(a.connection().queryStrings("SELECT v FROM t")).contains("only on b")
                    .doesNotContain("only on a");
        }
    }

    /**
     * A reload (Patroni's: SIGHUP or {@code POST /reload}) with other users: the replica's next rendering writes
     * primary_conninfo for the new replication user and its certificate and its walreceiver streams as that user
     * after the postgres reload; the daemon's own connection logs in as the new superuser by its certificate at once.
     */
    @Test
    void reloadedUsersAndCertificatesApplyToPrimaryConninfoAndTheDaemonsConnection() throws Exception {
        try (PgTestNodes nodes = new PgTestNodes()) {
            Path dir = Files.createDirectories(nodes.base().resolve("pki"));
            TestPki pki = TestPki.create(dir);
            PgUser su = certUser(pki, "postgres");
            PgUser repl = certUser(pki, "replicator");
            PgUser su2 = certUser(pki, "admin2");
            PgUser repl2 = certUser(pki, "replicator2");
            new CommandRunner().chownRecursively(dir);
            try (var files = Files.list(dir)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".key")).toList()) {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
                }
            }
            Map<String, Object> ssl = new LinkedHashMap<>();
            ssl.put("ssl", "on");
            ssl.put("ssl_cert_file", pki.serverCert().toString());
            ssl.put("ssl_key_file", pki.serverKey().toString());
            ssl.put("ssl_ca_file", pki.ca().toString());
            List<String> hba = List.of("local all all trust", "hostssl replication all 127.0.0.1/32 cert",
                    "hostssl all all 127.0.0.1/32 cert");
            Postgresql a = nodes.node("reload-a", ssl, hba, su, repl, null, PgExtras.NONE);
            Postgresql b = nodes.node("reload-b", ssl, hba, su, repl, null, PgExtras.NONE);
            a.initdb(List.of("--encoding=UTF8", "--locale=C"), null);
            a.writeConfig(Role.PRIMARY, null, null);
            assertThat(a.start(PgTestNodes.timeout())).isTrue();
            a.createUsers();
            a.connection().execute("CREATE ROLE admin2 LOGIN SUPERUSER");
            a.connection().execute("CREATE ROLE replicator2 LOGIN REPLICATION");
            b.basebackup(a.connUrl(), PgTestNodes.timeout());
            b.writeConfig(Role.REPLICA, a.connUrl(), null);
            assertThat(b.start(PgTestNodes.timeout())).isTrue();
            Await.until("reload-b streaming as replicator", WAIT,
                    () -> streamingAs(a).equals(List.of("/CN=replicator")));
            assertThat(b.connection().queryStrings("SELECT current_user")).containsExactly("postgres");

            var reloaded = b.config().withExtras(new PgExtras(List.of(), "krb-reloaded", null, null, null));
            reloaded = new dev.regent.core.config.NodeConfig.PostgresqlConfig(reloaded.listen(),
                    reloaded.connectAddress(), reloaded.dataDir(), reloaded.configDir(), reloaded.binDir(),
                    reloaded.pgpass(), reloaded.database(), su2, repl2, null, reloaded.parameters(),
                    reloaded.pgHba(), reloaded.pgIdent(), reloaded.basebackup(), reloaded.createReplicaMethods(),
                    reloaded.usePgRewind(), false, false, reloaded.pgCtlTimeoutSeconds(), reloaded.callbacks(),
                    null, null, reloaded.recoveryConf(), reloaded.binName(), false, false, Map.of(),
                    reloaded.extras());
            assertThat(b.reloadConnectionSettings(reloaded)).containsExactly("authentication.superuser",
                    "authentication.replication", "krbsrvname/rewind");
            assertThat(b.reloadConnectionSettings(reloaded)).as("nothing changed the second time").isEmpty();
            assertThat(b.connection().queryStrings("SELECT current_user || ' ' || s.client_dn FROM pg_stat_ssl s"
                    + " WHERE pid = pg_backend_pid()")).as("the daemon's connection, reconnected")
                    .containsExactly("admin2 /CN=admin2");
            b.writeConfig(Role.REPLICA, a.connUrl(), null);
            assertThat(Files.readString(b.configDir().resolve("postgresql.conf"))).contains("user=replicator2 ")
                    .contains("sslcert=" + dir.resolve("replicator2.pem")).contains("krbsrvname=krb-reloaded");
            b.reload();
            Await.until("reload-b streaming as replicator2", WAIT,
                    () -> streamingAs(a).equals(List.of("/CN=replicator2")));
        }
    }

    /** The client DNs of the walsenders of {@code primary}'s streaming replicas. */
    private static List<String> streamingAs(Postgresql primary) {
        return primary.connection().queryStrings("SELECT s.client_dn FROM pg_stat_replication r JOIN pg_stat_ssl s"
                + " USING (pid) WHERE r.state = 'streaming' AND s.ssl AND r.usename = substr(s.client_dn, 5)");
    }

    /** {@code SELECT ssl} as {@code user} with one more option; the exception when it fails. */
    private static Object queryAs(Postgresql pg, PgUser user, String option, String value) {
        Map<String, Object> o = new LinkedHashMap<>(user.options());
        o.put(option, value);
        try (PgConnection c = PgConnection.forUser(PgHosts.of("127.0.0.1", pg.listen.port()), "postgres",
                new PgUser(user.username(), null, o), 3)) {
            return c.queryStrings("SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()").get(0);
        } catch (PostgresException e) {
            return e;
        }
    }

    private static PgUser certUser(TestPki pki, String name) {
        Path cert = pki.clientCertificate(name);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("sslmode", "verify-full");
        o.put("sslrootcert", pki.ca().toString());
        o.put("sslcert", cert.toString());
        o.put("sslkey", pki.keyOf(name).toString());
        return new PgUser(name, null, o);
    }
}
