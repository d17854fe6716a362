package dev.regent.dcs.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Reads PEM certificate chains and PKCS#8 private keys (plain or password-encrypted) with the JDK only, as the DCS
 * stores take them from Patroni's {@code cacert}, {@code cert} and {@code key} settings. Stateless; thread-safe.
 */
public final class PemKeys {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");

    private PemKeys() {}

    /**
     * Every certificate of a PEM file, in file order (a chain starts with the leaf); other blocks, such as a private
     * key kept in the same file, are skipped.
     */
    public static Certificate[] certificates(Path pem) throws IOException, GeneralSecurityException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<Certificate> chain = new ArrayList<>();
        Matcher m = BLOCK.matcher(Files.readString(pem, StandardCharsets.ISO_8859_1));
        while (m.find()) {
            if (!m.group(1).equals("CERTIFICATE")) continue;
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            chain.add(factory.generateCertificate(new ByteArrayInputStream(der)));
        }
        if (chain.isEmpty()) throw new GeneralSecurityException("no certificate in " + pem);
        return chain.toArray(new Certificate[0]);
    }

    /**
     * The first private key of a PEM file (other blocks, e.g. a certificate in the same file, are skipped).
     *
     * @param password the key's password when it is encrypted, else null
     */
    public static PrivateKey privateKey(Path pem, String password) throws IOException, GeneralSecurityException {
        Matcher m = BLOCK.matcher(Files.readString(pem, StandardCharsets.ISO_8859_1));
        while (m.find()) {
            String type = m.group(1);
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            switch (type) {
                case "PRIVATE KEY" -> {
                    return parse(new PKCS8EncodedKeySpec(der));
                }
                case "ENCRYPTED PRIVATE KEY" -> {
                    if (password == null) throw new GeneralSecurityException("the key is encrypted: set key_password");
                    EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
                    // for PBES2 the parameters name the real cipher, e.g. PBEWithHmacSHA256AndAES_256
                    String algorithm = info.getAlgParameters().toString();
                    SecretKeyFactory factory = SecretKeyFactory.getInstance(algorithm);
                    Cipher cipher = Cipher.getInstance(algorithm);
                    cipher.init(Cipher.DECRYPT_MODE, factory.generateSecret(new PBEKeySpec(password.toCharArray())),
                            info.getAlgParameters());
                    return parse(info.getKeySpec(cipher));
                }
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new GeneralSecurityException("the key is not"
                        + " PKCS#8 (" + type + "); convert it with openssl pkcs8 -topk8");
                default -> {
                    // another block (e.g. a certificate in the same file): look further
                }
            }
        }
        throw new GeneralSecurityException("no private key in " + pem);
    }

    private static PrivateKey parse(PKCS8EncodedKeySpec spec) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "DSA"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new GeneralSecurityException("unsupported private key: " + last.getMessage(), last);
    }
}
