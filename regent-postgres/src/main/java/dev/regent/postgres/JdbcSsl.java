package dev.regent.postgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * The connection options of a {@code postgresql.authentication} user as pgjdbc properties, for the daemon's own
 * connections (Patroni's psycopg connections take the same options through libpq). Pure apart from one file check;
 * thread-safe.
 *
 * <p>libpq → pgjdbc: {@code sslmode}, {@code sslcert}, {@code sslkey} (PEM, PKCS#8 DER or PKCS#12), {@code
 * sslpassword} and {@code sslrootcert} keep their names; {@code sslnegotiation} → {@code sslNegotiation},
 * {@code gssencmode} → {@code gssEncMode}, {@code channel_binding} → {@code channelBinding}. pgjdbc has no CRL
 * support: {@code sslcrl} and {@code sslcrldir} reach libpq (primary_conninfo, pg_basebackup, pg_rewind) only, which
 * the unsupported-settings table says. Without a {@code sslmode} the connection prefers SSL, as libpq.
 */
final class JdbcSsl {
    private JdbcSsl() {}

    /**
     * Sets the pgjdbc properties for {@code options} (libpq names, as in the configuration) on {@code props}.
     *
     * <p>{@code sslmode=require} with a root certificate ({@code sslrootcert}, else {@code ~/.postgresql/root.crt})
     * becomes {@code verify-ca}: libpq verifies the server against a root certificate that exists even in require
     * mode, pgjdbc would not.
     */
    static void apply(Map<String, String> options, Properties props) {
        String mode = options.getOrDefault("sslmode", "prefer");
        if (mode.equals("require") && rootCertificateExists(options.get("sslrootcert"))) {
            mode = "verify-ca";
        }
        props.setProperty("sslmode", mode);
        copy(options, "sslcert", props, "sslcert");
        copy(options, "sslkey", props, "sslkey");
        copy(options, "sslpassword", props, "sslpassword");
        copy(options, "sslrootcert", props, "sslrootcert");
        copy(options, "sslnegotiation", props, "sslNegotiation");
        copy(options, "gssencmode", props, "gssEncMode");
        copy(options, "channel_binding", props, "channelBinding");
    }

    /**
     * Over a Unix socket libpq uses neither SSL nor GSS encryption whatever is configured; pgjdbc would ask for them
     * and fail in a {@code require} mode, so both are switched off.
     */
    static void forUnixSocket(Properties props) {
        props.setProperty("sslmode", "disable");
        props.setProperty("gssEncMode", "disable");
        props.remove("sslNegotiation");
    }

    private static boolean rootCertificateExists(String configured) {
        Path p = configured != null ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".postgresql", "root.crt");
        return Files.isReadable(p);
    }

    private static void copy(Map<String, String> from, String key, Properties to, String property) {
        String v = from.get(key);
        if (v != null) to.setProperty(property, v);
    }
}
