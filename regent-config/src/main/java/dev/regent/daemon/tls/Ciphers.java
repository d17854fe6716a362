package dev.regent.daemon.tls;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code restapi.ciphers}, an OpenSSL cipher list as Python's {@code SSLContext.set_ciphers} takes it, turned into
 * JSSE cipher suite names. Names are separated by {@code :}, {@code ,} or spaces; OpenSSL names
 * ({@code ECDHE-RSA-AES128-GCM-SHA256}) and IANA names ({@code TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}) are both
 * understood. OpenSSL keywords and exclusions ({@code HIGH}, {@code !aNULL}, {@code @STRENGTH}) have no JSSE meaning:
 * they are reported in {@link Result#ignored()}. As with OpenSSL, the list does not restrict TLS 1.3, whose suites
 * stay enabled unless the list names some. Stateless.
 */
public final class Ciphers {
    private Ciphers() {}

    /**
     * @param suites  enabled suites, in the list's order (TLS 1.3 ones appended when the list names none)
     * @param ignored the entries that name no suite the JVM supports
     */
    public record Result(List<String> suites, List<String> ignored) {}

    /**
     * @param list      the configured list
     * @param supported the JVM's supported suites ({@code SSLContext.getSupportedSSLParameters().getCipherSuites()})
     * @param defaults  the JVM's default suites (their TLS 1.3 ones are kept)
     * @throws IllegalArgumentException when no entry names a supported TLS 1.2 or 1.3 suite
     */
    public static Result parse(String list, String[] supported, String[] defaults) {
        Set<String> known = Set.of(supported);
        Set<String> out = new LinkedHashSet<>();
        List<String> ignored = new ArrayList<>();
        for (String entry : list.split("[:, ]+")) {
            if (entry.isBlank()) continue;
            String iana = entry.startsWith("TLS_") || entry.startsWith("SSL_") ? entry : fromOpenSsl(entry);
            if (iana != null && known.contains(iana)) {
                out.add(iana);
            } else {
                ignored.add(entry);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("restapi.ciphers: '" + list + "' names no cipher suite this JVM "
                    + "supports (Regent maps OpenSSL cipher names such as ECDHE-RSA-AES256-GCM-SHA384, not OpenSSL "
                    + "keywords such as HIGH)");
        }
        if (out.stream().noneMatch(Ciphers::isTls13)) {
            Arrays.stream(defaults).filter(Ciphers::isTls13).forEach(out::add);
        }
        return new Result(List.copyOf(out), List.copyOf(ignored));
    }

    private static boolean isTls13(String suite) {
        return suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_");
    }

    /** {@code ECDHE-RSA-AES128-GCM-SHA256} -> {@code TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}; null when unknown. */
    static String fromOpenSsl(String name) {
        List<String> t = new ArrayList<>(Arrays.asList(name.toUpperCase(Locale.ROOT).split("-")));
        String kx = "RSA";
        if (!t.isEmpty() && (t.get(0).equals("ECDHE") || t.get(0).equals("DHE") || t.get(0).equals("EDH"))) {
            String exchange = t.remove(0).equals("ECDHE") ? "ECDHE" : "DHE";
            String auth = "RSA";
            if (!t.isEmpty() && (t.get(0).equals("RSA") || t.get(0).equals("ECDSA"))) auth = t.remove(0);
            kx = exchange + "_" + auth;
        }
        if (t.isEmpty()) return null;
        String cipher = switch (t.remove(0)) {
            case "AES128" -> "AES_128";
            case "AES256" -> "AES_256";
            case "CHACHA20" -> "CHACHA20";
            default -> null;
        };
        if (cipher == null) return null;
        if (cipher.equals("CHACHA20")) {
            return t.equals(List.of("POLY1305")) ? "TLS_" + kx + "_WITH_CHACHA20_POLY1305_SHA256" : null;
        }
        String mode = "CBC";
        if (!t.isEmpty() && (t.get(0).equals("GCM") || t.get(0).equals("CCM"))) mode = t.remove(0);
        if (t.size() != 1 || !Set.of("SHA", "SHA256", "SHA384").contains(t.get(0))) return null;
        return "TLS_" + kx + "_WITH_" + cipher + "_" + mode + "_" + t.get(0);
    }
}
