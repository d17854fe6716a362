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
 * <p>libpq → pgjdbc: {@code sslmode}, {@code sslcert}, {@code sslkey} (PKCS#8 PEM with RSA, EC or Ed25519 keys,
 * PKCS#8 DER or PKCS#12), {@code sslpassword} and {@code sslrootcert} keep their names; {@code sslnegotiation} → {@code sslNegotiation},
 * {@code gssencmode} → {@code gssEncMode}, {@code channel_binding} → {@code channelBinding}. pgjdbc has no CRL
 * support: with {@code sslcrl} or {@code sslcrldir} a verifying connection goes through {@link CrlSslFactory}.
 * Without a {@code sslmode} the connection prefers SSL, as libpq.
 */
final class JdbcSsl {
    /** Every property {@link #apply} or {@link #forUnixSocket} may set (to clear them before applying others). */
    static final java.util.Set<String> PROPERTIES = java.util.Set.of("sslmode", "sslcert", "sslkey", "pemKeyAlgorithm",
            "sslpassword", "sslrootcert", "sslNegotiation", "gssEncMode", "channelBinding", "sslfactory",
            CrlSslFactory.CRL, CrlSslFactory.CRL_DIR);

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
        String algorithm = options.get("sslkey") == null ? null : pemKeyAlgorithm(Path.of(options.get("sslkey")));
        if (algorithm != null) props.setProperty("pemKeyAlgorithm", algorithm);
        copy(options, "sslpassword", props, "sslpassword");
        copy(options, "sslrootcert", props, "sslrootcert");
        copy(options, "sslnegotiation", props, "sslNegotiation");
        copy(options, "gssencmode", props, "gssEncMode");
        copy(options, "channel_binding", props, "channelBinding");
        // pgjdbc cannot check CRLs; libpq checks them whenever it verifies the server, and so does CrlSslFactory
        boolean verifies = mode.equals("verify-ca") || mode.equals("verify-full");
        if (verifies && (options.get("sslcrl") != null || options.get("sslcrldir") != null)) {
            props.setProperty("sslfactory", CrlSslFactory.class.getName());
            copy(options, "sslcrl", props, CrlSslFactory.CRL);
            copy(options, "sslcrldir", props, CrlSslFactory.CRL_DIR);
        }
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

    /** DER of the PKCS#8 algorithm identifiers pgjdbc's PEM reader is told about (it assumes RSA otherwise). */
    private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    private static final byte[] ED25519_OID = {0x06, 0x03, 0x2b, 0x65, 0x70};

    /**
     * The key algorithm of a PEM private key, which pgjdbc needs told (libpq finds it itself): {@code EC} or
     * {@code Ed25519} from the PKCS#8 algorithm identifier (or a SEC1 {@code EC PRIVATE KEY} block); null for RSA,
     * pgjdbc's default, and for a file that is not PEM or cannot be read (pgjdbc then reports the key).
     */
    static String pemKeyAlgorithm(Path key) {
        String text;
        try {
            text = Files.readString(key, java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
        if (text.contains("-----BEGIN EC PRIVATE KEY-----")) return "EC";
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----").matcher(text);
        if (!m.find()) return null;
        byte[] der;
        try {
            der = java.util.Base64.getMimeDecoder().decode(m.group(1));
        } catch (IllegalArgumentException e) {
            return null;
        }
        // the algorithm identifier comes first in a PKCS#8 PrivateKeyInfo, within its first few dozen bytes
        byte[] head = java.util.Arrays.copyOf(der, Math.min(der.length, 32));
        if (contains(head, EC_OID)) return "EC";
        if (contains(head, ED25519_OID)) return "Ed25519";
        return null;
    }

    private static boolean contains(byte[] data, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= data.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (data[i + j] != part[j]) continue outer;
            }
            return true;
        }
        return false;
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
