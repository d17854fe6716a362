package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.core.config.NodeConfig.PgUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connection strings and pgjdbc properties built from a {@code postgresql.authentication} user's SSL/GSS options, as
 * Patroni's conn_kwargs and format_dsn build them for primary_conninfo, pg_basebackup and pg_rewind.
 */
class ConnInfoTest {
    private static final PgUser CERT_USER = new PgUser("replicator", "pw", orderedOptions(
            "channel_binding", "require", "sslmode", "verify-full", "sslrootcert", "/etc/ssl/ca.pem",
            "sslcert", "/etc/ssl/repl.crt", "sslkey", "/etc/ssl/repl key", "sslpassword", "k'p",
            "sslcrl", "/etc/ssl/crl.pem", "sslcrldir", "/etc/ssl/crls", "gssencmode", "disable",
            "sslnegotiation", "direct"));

    @Test
    void primaryConninfoCarriesTheReplicationUsersOptionsOverPatronisDefaults() {
        String pc = ConfigRenderer.primaryConninfo("10.0.0.1", "5432", null, CERT_USER, "/p/pgpass", "node-1",
                "postgres", 170000);
        assertThat(pc).isEqualTo("user=replicator passfile=/p/pgpass host=10.0.0.1 port=5432 sslmode=verify-full "
                + "sslcert=/etc/ssl/repl.crt sslkey=/etc/ssl/repl\\ key sslpassword=k\\'p sslrootcert=/etc/ssl/ca.pem "
                + "sslcrl=/etc/ssl/crl.pem sslcrldir=/etc/ssl/crls application_name=node-1 krbsrvname=postgres "
                + "gssencmode=disable channel_binding=require sslnegotiation=direct");
        assertThat(pc).as("the password only ever goes through pgpass").doesNotContainPattern("(^| )password=");
    }

    @Test
    void keywordsTheServersLibpqDoesNotKnowAreLeftOut() {
        String pc15 = ConfigRenderer.primaryConninfo("h", "1", null, CERT_USER, "/p", "n", null, 150000);
        assertThat(pc15).contains("sslpassword=", "sslcrldir=", "gssencmode=disable", "channel_binding=require")
                .doesNotContain("sslnegotiation").doesNotContain("krbsrvname");
        String pc12 = ConfigRenderer.primaryConninfo("h", "1", null, CERT_USER, "/p", "n", null, 120000);
        assertThat(pc12).contains("sslcrl=/etc/ssl/crl.pem", "gssencmode=disable")
                .doesNotContain("sslpassword", "sslcrldir", "channel_binding");
        assertThat(ConfigRenderer.primaryConninfo("h", "1", null, CERT_USER, "/p", "n", "pg", 110000))
                .contains("krbsrvname=pg").doesNotContain("gssencmode");
    }

    @Test
    void withoutOptionsPatronisPreferDefaultsStay() {
        PgUser plain = new PgUser("r", null, Map.of());
        assertThat(ConfigRenderer.primaryConninfo("h", "1", null, plain, "/p", "n", "", 150000))
                .isEqualTo("user=r passfile=/p host=h port=1 sslmode=prefer application_name=n gssencmode=prefer "
                        + "channel_binding=prefer");
    }

    @Test
    void clientToolDsnHasDbnameAndOptionsButNoApplicationDefaults() {
        Map<String, String> kw = ConnInfo.forUser("h1,h2", "5432,5433", "postgres", CERT_USER);
        kw.put("target_session_attrs", "read-write");
        assertThat(ConnInfo.format(kw, 150000)).isEqualTo("dbname=postgres user=replicator host=h1,h2 "
                + "port=5432,5433 sslmode=verify-full sslcert=/etc/ssl/repl.crt sslkey=/etc/ssl/repl\\ key "
                + "sslpassword=k\\'p sslrootcert=/etc/ssl/ca.pem sslcrl=/etc/ssl/crl.pem sslcrldir=/etc/ssl/crls "
                + "gssencmode=disable channel_binding=require target_session_attrs=read-write");
        assertThat(ConnInfo.format(ConnInfo.forUser("h", "1", "db", new PgUser("u", "secret", null)), 150000))
                .isEqualTo("dbname=db user=u host=h port=1");
    }

    @Test
    void jdbcPropertiesUsePgjdbcsNames() {
        Properties p = new Properties();
        JdbcSsl.apply(ConnInfo.userOptions(CERT_USER), p);
        assertThat(p).containsEntry("sslmode", "verify-full").containsEntry("sslcert", "/etc/ssl/repl.crt")
                .containsEntry("sslkey", "/etc/ssl/repl key").containsEntry("sslpassword", "k'p")
                .containsEntry("sslrootcert", "/etc/ssl/ca.pem").containsEntry("sslNegotiation", "direct")
                .containsEntry("gssEncMode", "disable").containsEntry("channelBinding", "require")
                .doesNotContainKey("sslcrl");  // pgjdbc has no such property: see crlsTakeRegentsSslFactory...
        Properties none = new Properties();
        JdbcSsl.apply(Map.of(), none);
        assertThat(none).containsOnly(Map.entry("sslmode", "prefer"));
        JdbcSsl.forUnixSocket(p);
        assertThat(p).containsEntry("sslmode", "disable").containsEntry("gssEncMode", "disable")
                .doesNotContainKey("sslNegotiation");
    }

    @Test
    void crlsTakeRegentsSslFactoryWhenTheServerIsVerified() {
        Properties p = new Properties();
        JdbcSsl.apply(ConnInfo.userOptions(CERT_USER), p);
        assertThat(p).containsEntry("sslfactory", CrlSslFactory.class.getName())
                .containsEntry(CrlSslFactory.CRL, "/etc/ssl/crl.pem").containsEntry(CrlSslFactory.CRL_DIR, "/etc/ssl/crls");
        Properties unverified = new Properties();
        JdbcSsl.apply(Map.of("sslmode", "prefer", "sslcrl", "/etc/ssl/crl.pem"), unverified);
        assertThat(unverified).as("libpq reads CRLs only to verify the server").doesNotContainKey("sslfactory");
    }

    @Test
    void requireWithARootCertificateVerifiesItAsLibpqDoes(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        Properties p = new Properties();
        JdbcSsl.apply(Map.of("sslmode", "require", "sslrootcert", ca.toString()), p);
        assertThat(p).containsEntry("sslmode", "verify-ca");
        Properties q = new Properties();
        JdbcSsl.apply(Map.of("sslmode", "require", "sslrootcert", dir.resolve("missing.pem").toString()), q);
        assertThat(q).containsEntry("sslmode", "require");
    }

    @Test
    void pgjdbcIsToldTheAlgorithmOfAPemKey(@TempDir Path dir) {
        dev.regent.testkit.TestPki pki = dev.regent.testkit.TestPki.create(dir);
        assertThat(JdbcSsl.pemKeyAlgorithm(pki.clientKey())).as("PKCS#8 EC key").isEqualTo("EC");
        pki.openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "rsa.key");
        assertThat(JdbcSsl.pemKeyAlgorithm(dir.resolve("rsa.key"))).as("RSA: pgjdbc's default").isNull();
        pki.openssl("genpkey", "-algorithm", "ED25519", "-out", "ed.key");
        assertThat(JdbcSsl.pemKeyAlgorithm(dir.resolve("ed.key"))).isEqualTo("Ed25519");
        assertThat(JdbcSsl.pemKeyAlgorithm(dir.resolve("missing.key"))).isNull();
        Properties p = new Properties();
        JdbcSsl.apply(Map.of("sslkey", pki.clientKey().toString()), p);
        assertThat(p).containsEntry("pemKeyAlgorithm", "EC");
    }

    @Test
    void rewindOptionsArePassedAndForbiddenOnesRefused() {
        assertThat(Provisioner.checkOptions("rewind", List.of("debug", "--progress", "--sync-method=fsync"),
                Provisioner.REWIND_FORBIDDEN)).containsExactly("--debug", "--progress", "--sync-method=fsync");
        assertThatThrownBy(() -> Provisioner.checkOptions("rewind", List.of("--source-server=host=x"),
                Provisioner.REWIND_FORBIDDEN)).hasMessageContaining("rewind option '--source-server=host=x' is not "
                + "allowed");
    }

    private static Map<String, Object> orderedOptions(String... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }
}
