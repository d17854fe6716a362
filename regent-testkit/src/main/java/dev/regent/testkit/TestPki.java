package dev.regent.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for TLS tests, made with the {@code openssl} command line in a directory: a CA, a server certificate
 * for 127.0.0.1 (serverAuth and clientAuth, since etcd's JSON gateway presents it when it calls its own gRPC
 * server), a client certificate, the client key encrypted with {@link #KEY_PASSWORD}, a file with certificate and key
 * together, and an unrelated second CA. EC P-256 keys (fast to make). Not thread-safe.
 */
public final class TestPki {
    public static final String KEY_PASSWORD = "s3cret";
    private final Path dir;

    private TestPki(Path dir) {
        this.dir = dir;
    }

    public static TestPki create(Path dir) {
        TestPki pki = new TestPki(dir);
        pki.make();
        return pki;
    }

    public Path ca() {
        return dir.resolve("ca.pem");
    }

    public Path otherCa() {
        return dir.resolve("other-ca.pem");
    }

    public Path serverCert() {
        return dir.resolve("server.pem");
    }

    public Path serverKey() {
        return dir.resolve("server.key");
    }

    /** The directory of the files. */
    public Path dir() {
        return dir;
    }

    public Path clientCert() {
        return dir.resolve("client.pem");
    }

    public Path clientKey() {
        return dir.resolve("client.key");
    }

    public Path clientKeyEncrypted() {
        return dir.resolve("client-encrypted.key");
    }

    /** The client certificate followed by its key, in one file. */
    public Path clientCombined() {
        return dir.resolve("client-combined.pem");
    }

    /**
     * Makes a client certificate signed by {@link #ca()} whose common name is {@code cn} (PostgreSQL's {@code cert}
     * authentication takes the CN as the user name): {@code <cn>.pem}, with its unencrypted key in
     * {@link #keyOf(String)}.
     *
     * @return the certificate file
     */
    public Path clientCertificate(String cn) {
        try {
            signed(cn, cn, "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir.resolve(cn + ".pem");
    }

    /**
     * Writes {@code <name>.crl}, a PEM certificate revocation list signed by {@link #ca()} that revokes
     * {@code revoked} (certificates this CA signed; none: an empty list), with {@code openssl ca}.
     *
     * @return the CRL file
     */
    public Path crl(String name, Path... revoked) {
        try {
            Path db = dir.resolve(name + "-db");
            Files.createDirectories(db);
            Files.writeString(db.resolve("index.txt"), "");
            Files.writeString(db.resolve("crlnumber"), "01\n");
            Files.writeString(db.resolve("ca.cnf"), "[ca]\ndefault_ca = test\n[test]\ndatabase = " + db.resolve("index.txt")
                    + "\ncrlnumber = " + db.resolve("crlnumber") + "\ndefault_md = sha256\ndefault_crl_days = 2\n"
                    + "certificate = " + ca() + "\nprivate_key = " + dir.resolve("ca.key") + "\n");
            for (Path cert : revoked) {
                openssl("ca", "-config", db.resolve("ca.cnf").toString(), "-revoke", cert.toString());
            }
            openssl("ca", "-config", db.resolve("ca.cnf").toString(), "-gencrl", "-out", name + ".crl");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir.resolve(name + ".crl");
    }

    /** The key of {@link #clientCertificate(String)}. */
    public Path keyOf(String cn) {
        return dir.resolve(cn + ".key");
    }

    private void make() {
        try {
            selfSigned("ca", "regent-test-ca");
            selfSigned("other-ca", "someone-else-ca");
            signed("server", "127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                    + "extendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n");
            signed("client", "regent-client", "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n");
            openssl("pkcs8", "-topk8", "-in", "client.key", "-out", "client-encrypted.key",
                    "-passout", "pass:" + KEY_PASSWORD);
            Files.writeString(clientCombined(), Files.readString(clientCert()) + Files.readString(clientKey()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void selfSigned(String name, String cn) {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=" + cn);
    }

    private void signed(String name, String cn, String extensions) throws IOException {
        signed(name, "ca", cn, extensions);
    }

    private void signed(String name, String ca, String cn, String extensions) throws IOException {
        Files.writeString(dir.resolve(name + ".ext"), extensions);
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn);
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
                "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
    }

    /** A further CA, {@code name}.pem with its key {@code name}.key, to {@link #issue} certificates from. */
    public Path newCa(String name) {
        selfSigned(name, "regent-test-" + name);
        return dir.resolve(name + ".pem");
    }

    /**
     * A certificate {@code name}.pem (key {@code name}.key, PKCS#8) signed by the CA {@code ca} ("ca", "other-ca" or
     * one of {@link #newCa}), for serverAuth and clientAuth, with {@code subjectAltName} (e.g. "IP:127.0.0.2"), or
     * none when null.
     */
    public Path issue(String name, String ca, String subjectAltName) {
        try {
            signed(name, ca, name, (subjectAltName == null ? "" : "subjectAltName=" + subjectAltName + "\n")
                    + "extendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir.resolve(name + ".pem");
    }

    /** Runs {@code openssl} with {@code args} in the directory of the certificates (e.g. to convert a key). */
    public void openssl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run openssl", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
