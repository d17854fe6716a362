package dev.regent.dcs.consul;

import dev.regent.dcs.tls.PemTls;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Patroni's {@code consul} section (patroni-interfaces.md §1.7), parsed with Patroni's precedence: {@code url}
 * (scheme, host and port from it, port 8500 by default), else {@code host} ({@code h:p}, default
 * {@code 127.0.0.1:8500}) with {@code port} winning over the host's port, and {@code scheme} ({@code http}).
 * Immutable.
 *
 * @param base                      the agent's base URL, e.g. {@code http://127.0.0.1:8500}
 * @param token                     ACL token sent as {@code X-Consul-Token}, or null
 * @param tls                       TLS context for https (from {@code cacert}, {@code cert}, {@code key},
 *                                  {@code verify}), or null for the JDK's default
 * @param dc                        datacenter for KV and session calls, or null for the agent's
 * @param consistency               {@code default}, {@code consistent} or {@code stale}
 * @param checks                    check ids the session is bound to (Patroni's default: none)
 * @param registerService           register the node as a service of the agent
 * @param serviceTags               extra tags of the service, sorted (as Patroni sorts them)
 * @param serviceCheckInterval      interval of the service's HTTP check (Go duration), default {@code 5s}
 * @param serviceCheckTlsServerName the check's {@code TLSServerName}, or null
 */
public record ConsulConfig(URI base, String token, SSLContext tls, String dc, String consistency,
                           List<String> checks, boolean registerService, List<String> serviceTags,
                           String serviceCheckInterval, String serviceCheckTlsServerName) {
    static final String SECTION = "consul";
    private static final int DEFAULT_PORT = 8500;

    public ConsulConfig {
        checks = List.copyOf(checks);
        serviceTags = serviceTags.stream().sorted().toList();
        if (!List.of("default", "consistent", "stale").contains(consistency)) {
            throw new IllegalArgumentException(SECTION + ".consistency: '" + consistency
                    + "' is not one of default, consistent, stale");
        }
    }

    /** Plain settings for an agent at {@code base}, as a test or {@code regentctl -d consul://} needs. */
    public static ConsulConfig of(URI base) {
        return new ConsulConfig(base, null, null, null, "default", List.of(), false, List.of(), "5s", null);
    }

    /** Parse a config section; {@link IllegalArgumentException} names the offending key. */
    public static ConsulConfig fromMap(Map<String, Object> section) {
        String scheme;
        String host;
        int port;
        if (section.get("url") != null) {
            URI u = URI.create(str(section, "url"));
            if (u.getHost() == null) throw new IllegalArgumentException(SECTION + ".url: no host in '" + u + "'");
            scheme = u.getScheme() == null ? "http" : u.getScheme();
            host = u.getHost();
            port = u.getPort() < 0 ? DEFAULT_PORT : u.getPort();
        } else {
            String hp = section.get("host") == null ? "127.0.0.1:" + DEFAULT_PORT : str(section, "host");
            int colon = hp.lastIndexOf(':');
            boolean hasPort = colon > 0 && !hp.endsWith("]");
            host = hasPort ? hp.substring(0, colon) : hp;
            port = hasPort ? parsePort("host", hp.substring(colon + 1)) : DEFAULT_PORT;
            if (section.get("port") != null) port = parsePort("port", str(section, "port"));
            scheme = section.get("scheme") == null ? "http" : str(section, "scheme").toLowerCase(Locale.ROOT);
        }
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException(SECTION + ".scheme: '" + scheme + "' is not http or https");
        }
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        URI base = URI.create(scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port);
        Boolean verify = section.get("verify") == null ? null : bool("verify", section.get("verify"));
        SSLContext tls = scheme.equals("https") ? tls(section, verify) : null;
        String consistency = section.get("consistency") == null ? "default" : str(section, "consistency");
        return new ConsulConfig(base, blankToNull(str(section, "token")), tls, blankToNull(str(section, "dc")),
                consistency, list("checks", section.get("checks")),
                section.get("register_service") != null && bool("register_service", section.get("register_service")),
                list("service_tags", section.get("service_tags")),
                section.get("service_check_interval") == null ? "5s" : str(section, "service_check_interval"),
                blankToNull(str(section, "service_check_tls_server_name")));
    }

    private static SSLContext tls(Map<String, Object> section, Boolean verify) {
        Path cacert = path(section, "cacert");
        Path cert = path(section, "cert");
        Path key = path(section, "key");
        try {
            if (Boolean.FALSE.equals(verify) && cacert == null) {
                // Patroni: verify false without cacert = CERT_NONE (neither the chain nor the host name is checked)
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(cert == null ? null : keyManagers(cert, key), new TrustManager[] {new TrustAll()}, null);
                return ctx;
            }
            return new PemTls(cacert, cert, key, null).sslContext();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(SECTION + ": cannot use cacert/cert/key: " + e.getMessage(), e);
        }
    }

    private static javax.net.ssl.KeyManager[] keyManagers(Path cert, Path key)
            throws IOException, GeneralSecurityException {
        char[] pw = "regent".toCharArray();
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(PemTls.keyStore(cert, key == null ? cert : key, null, pw), pw);
        return kmf.getKeyManagers();
    }

    /** {@code verify: false}: accepts any server certificate for any host name, as Python's CERT_NONE. */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {}
        @Override public void checkServerTrusted(X509Certificate[] c, String a, Socket s) {}
        @Override public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}
        @Override public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}
        @Override public void checkClientTrusted(X509Certificate[] c, String a) {}
        @Override public void checkServerTrusted(X509Certificate[] c, String a) {}
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }

    private static Path path(Map<String, Object> section, String key) {
        String v = blankToNull(str(section, key));
        return v == null ? null : Path.of(v);
    }

    private static String str(Map<String, Object> section, String key) {
        Object v = section.get(key);
        return v == null ? null : v.toString().strip();
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static int parsePort(String key, String v) {
        try {
            int p = Integer.parseInt(v.strip());
            if (p >= 1 && p <= 65535) return p;
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(SECTION + "." + key + ": '" + v + "' is not a port number");
    }

    /** Patroni's parse_bool: true/yes/on/1 and false/no/off/0, any case. */
    private static boolean bool(String key, Object v) {
        if (v instanceof Boolean b) return b;
        String s = v.toString().strip().toLowerCase(Locale.ROOT);
        if (List.of("true", "yes", "on", "1", "y").contains(s)) return true;
        if (List.of("false", "no", "off", "0", "n").contains(s)) return false;
        throw new IllegalArgumentException(SECTION + "." + key + ": '" + v + "' is not a boolean");
    }

    /** A YAML list, or a comma-separated string (as Patroni's environment variables give them). */
    private static List<String> list(String key, Object v) {
        if (v == null) return List.of();
        List<String> out = new ArrayList<>();
        if (v instanceof Collection<?> c) {
            for (Object o : c) out.add(String.valueOf(o).strip());
        } else {
            for (String s : v.toString().replaceAll("^\\[|]$", "").split(",")) {
                String t = s.strip().replaceAll("^['\"]|['\"]$", "");
                if (!t.isEmpty()) out.add(t);
            }
        }
        if (out.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException(SECTION + "." + key + ": empty entry in " + v);
        }
        return out;
    }
}
