package dev.regent.daemon.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Reads the PEM files Patroni's users have (what Python's {@code ssl.load_cert_chain} accepts): certificates, and a
 * private key as PKCS#8 ({@code PRIVATE KEY}), encrypted PKCS#8 ({@code ENCRYPTED PRIVATE KEY}: PBES2 with PBKDF2 and
 * AES-CBC or 3DES-CBC, as OpenSSL writes them, or a PBES1 scheme the JDK knows), PKCS#1 RSA ({@code RSA PRIVATE KEY})
 * or SEC1 EC ({@code EC PRIVATE KEY}). The key may sit in the certificate file. Every failure is an
 * {@link IOException} naming the file. Stateless, thread-safe.
 */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final String PBES2 = "1.2.840.113549.1.5.13";
    private static final String PBKDF2 = "1.2.840.113549.1.5.12";
    private static final Map<String, String> PRF = Map.of(
            "1.2.840.113549.2.7", "PBKDF2WithHmacSHA1", "1.2.840.113549.2.8", "PBKDF2WithHmacSHA224",
            "1.2.840.113549.2.9", "PBKDF2WithHmacSHA256", "1.2.840.113549.2.10", "PBKDF2WithHmacSHA384",
            "1.2.840.113549.2.11", "PBKDF2WithHmacSHA512");
    /** Encryption scheme OID -> {transformation, key algorithm, key length}. */
    private static final Map<String, String[]> CIPHERS = Map.of(
            "2.16.840.1.101.3.4.1.2", new String[] {"AES/CBC/PKCS5Padding", "AES", "16"},
            "2.16.840.1.101.3.4.1.22", new String[] {"AES/CBC/PKCS5Padding", "AES", "24"},
            "2.16.840.1.101.3.4.1.42", new String[] {"AES/CBC/PKCS5Padding", "AES", "32"},
            "1.2.840.113549.3.7", new String[] {"DESede/CBC/PKCS5Padding", "DESede", "24"});
    private static final Map<String, String> KEY_ALGORITHMS = Map.of(
            "1.2.840.113549.1.1.1", "RSA", "1.2.840.113549.1.1.10", "RSASSA-PSS", "1.2.840.10045.2.1", "EC",
            "1.3.101.112", "Ed25519", "1.3.101.113", "Ed448", "1.2.840.10040.4.1", "DSA");
    private static final String RSA_OID = "1.2.840.113549.1.1.1";
    private static final String EC_OID = "1.2.840.10045.2.1";

    private Pem() {}

    /** The certificates of {@code file}, in file order; at least one. */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(file)) {
                if (!b.type.equals("CERTIFICATE") && !b.type.equals("TRUSTED CERTIFICATE")) continue;
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der)));
            }
        } catch (CertificateException e) {
            throw new IOException(file + ": invalid certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) throw new IOException(file + ": no PEM certificate (-----BEGIN CERTIFICATE-----) found");
        return out;
    }

    /**
     * The private key of {@code file} (the first key block in it).
     *
     * @param password the password of an encrypted key, or null
     */
    public static PrivateKey privateKey(Path file, String password) throws IOException {
        for (Block b : blocks(file)) {
            if (!b.type.endsWith("PRIVATE KEY")) continue;
            if (b.encryptedLegacy) {
                throw new IOException(file + ": keys encrypted in OpenSSL's legacy PEM format (Proc-Type: 4,ENCRYPTED)"
                        + " are not supported; convert the key to PKCS#8 with 'openssl pkcs8 -topk8 -in OLD -out NEW'");
            }
            try {
                return switch (b.type) {
                    case "PRIVATE KEY" -> pkcs8(b.der);
                    case "ENCRYPTED PRIVATE KEY" -> {
                        if (password == null) throw new IOException("the key is encrypted and no keyfile_password "
                                + "is configured");
                        yield pkcs8(decrypt(b.der, password));
                    }
                    case "RSA PRIVATE KEY" -> pkcs8(wrap(RSA_OID, Der.encode(Der.NULL), b.der));
                    case "EC PRIVATE KEY" -> pkcs8(wrap(EC_OID, ecCurve(b.der), b.der));
                    default -> throw new IOException("unsupported key type '" + b.type + "'");
                };
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new IOException(file + ": cannot read the private key" + (b.type.startsWith("ENCRYPTED")
                        ? " (wrong keyfile_password?)" : "") + ": " + e, e);
            } catch (IOException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
        }
        throw new IOException(file + ": no PEM private key (-----BEGIN ... PRIVATE KEY-----) found");
    }

    private record Block(String type, byte[] der, boolean encryptedLegacy) {}

    private static List<Block> blocks(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException("cannot read " + file + ": " + e, e);
        }
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String body = m.group(2);
            boolean legacy = body.contains("Proc-Type:") && body.contains("ENCRYPTED");
            if (legacy) {
                out.add(new Block(m.group(1), new byte[0], true));
                continue;
            }
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(body.strip()), false));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": invalid base64 in the " + m.group(1) + " block", e);
            }
        }
        return out;
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        List<Der> info = Der.parse(der).children();
        if (info.size() < 3) throw new IllegalArgumentException("not a PKCS#8 PrivateKeyInfo");
        String oid = info.get(1).children().get(0).oid();
        String algorithm = KEY_ALGORITHMS.get(oid);
        if (algorithm == null) throw new GeneralSecurityException("unsupported key algorithm " + oid);
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    /** PKCS#8 around a PKCS#1 / SEC1 key: version 0, the algorithm, the key as an OCTET STRING. */
    private static byte[] wrap(String algorithmOid, byte[] parameters, byte[] key) {
        return Der.encode(Der.SEQUENCE, Der.encode(Der.INTEGER, new byte[] {0}),
                Der.encode(Der.SEQUENCE, oid(algorithmOid), parameters), Der.encode(Der.OCTET_STRING, key));
    }

    /** The named curve of a SEC1 key (its {@code [0] parameters}). */
    private static byte[] ecCurve(byte[] sec1) {
        for (Der d : Der.parse(sec1).children()) {
            if (d.tag == 0xa0) return Der.parse(d.value).encoded();
        }
        throw new IllegalArgumentException("the EC key does not name its curve");
    }

    private static byte[] oid(String dotted) {
        String[] parts = dotted.split("\\.");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(Integer.parseInt(parts[0]) * 40 + Integer.parseInt(parts[1]));
        for (int i = 2; i < parts.length; i++) {
            long n = Long.parseLong(parts[i]);
            int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(n) + 6) / 7);
            for (int g = groups - 1; g > 0; g--) out.write((int) ((n >> (7 * g)) & 0x7f) | 0x80);
            out.write((int) (n & 0x7f));
        }
        return Der.encode(Der.OID, out.toByteArray());
    }

    /** The PKCS#8 PrivateKeyInfo inside an EncryptedPrivateKeyInfo. */
    private static byte[] decrypt(byte[] der, String password) throws GeneralSecurityException, IOException {
        List<Der> top = Der.parse(der).children();
        List<Der> algorithm = top.get(0).children();
        if (!algorithm.get(0).oid().equals(PBES2)) {
            // PBES1 / PKCS#12 schemes: the JDK knows them by their OID
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            SecretKeyFactory f = SecretKeyFactory.getInstance(info.getAlgName());
            Cipher c = Cipher.getInstance(info.getAlgName());
            c.init(Cipher.DECRYPT_MODE, f.generateSecret(new PBEKeySpec(password.toCharArray())),
                    info.getAlgParameters());
            return info.getKeySpec(c).getEncoded();
        }
        List<Der> params = algorithm.get(1).children();
        List<Der> kdf = params.get(0).children();
        if (!kdf.get(0).oid().equals(PBKDF2)) throw new GeneralSecurityException("unsupported key derivation "
                + kdf.get(0).oid());
        List<Der> kdfParams = kdf.get(1).children();
        byte[] salt = kdfParams.get(0).value;
        int iterations = kdfParams.get(1).intValue();
        String prf = "PBKDF2WithHmacSHA1";
        for (int i = 2; i < kdfParams.size(); i++) {
            Der p = kdfParams.get(i);
            if (p.tag == Der.SEQUENCE) {
                String oid = p.children().get(0).oid();
                prf = PRF.get(oid);
                if (prf == null) throw new GeneralSecurityException("unsupported PBKDF2 PRF " + oid);
            }
        }
        List<Der> enc = params.get(1).children();
        String[] cipher = CIPHERS.get(enc.get(0).oid());
        if (cipher == null) throw new GeneralSecurityException("unsupported key encryption " + enc.get(0).oid());
        byte[] iv = enc.get(1).value;
        byte[] keyBytes = SecretKeyFactory.getInstance(prf).generateSecret(new PBEKeySpec(password.toCharArray(),
                salt, iterations, Integer.parseInt(cipher[2]) * 8)).getEncoded();
        Cipher c = Cipher.getInstance(cipher[0]);
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(keyBytes, cipher[1]), new IvParameterSpec(iv));
        return c.doFinal(top.get(1).value);
    }
}
