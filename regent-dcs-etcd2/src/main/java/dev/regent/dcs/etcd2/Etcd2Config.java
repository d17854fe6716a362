package dev.regent.dcs.etcd2;

import dev.regent.dcs.tls.PemTls;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * Connection settings parsed from Patroni's {@code etcd} (v2 API) section, with Patroni's precedence: {@code proxy}
 * (an etcd proxy, used alone: it implies {@code use_proxies}), else {@code url}, {@code hosts} (list or comma string)
 * or {@code host}; {@code srv}/{@code srv_suffix} for DNS SRV discovery (asked first, the hosts are the fallback);
 * {@code use_proxies} (default false: the cluster's members are discovered from {@code /v2/machines});
 * {@code protocol}; {@code username}/{@code password} (also from the URL's user info); {@code cacert}, {@code cert},
 * {@code key} for TLS. Immutable.
 *
 * @param endpoints  base URLs from the configuration, e.g. {@code http://10.0.0.1:2379}; empty only with {@code srv}
 * @param username   basic-auth user, or null
 * @param password   its password, or null
 * @param tls        the TLS context for https endpoints, or null for the JDK's default
 * @param useProxies talk only to these endpoints (no member discovery)
 * @param srv        the SRV domain, or null
 * @param srvSuffix  the SRV name suffix, or null
 */
public record Etcd2Config(List<URI> endpoints, String username, String password, SSLContext tls, boolean useProxies,
                          String srv, String srvSuffix) {
    static final String SECTION = "etcd";

    public Etcd2Config {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty() && srv == null) {
            throw new IllegalArgumentException(SECTION + ": no etcd endpoint configured");
        }
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException(SECTION + ".username and " + SECTION + ".password go together");
        }
    }

    /** Exactly these endpoints (no discovery, no SRV), without TLS settings of its own. */
    public Etcd2Config(List<URI> endpoints, String username, String password) {
        this(endpoints, username, password, null, true, null, null);
    }

    /** The same settings with {@code endpoints} (e.g. the ones SRV discovery found). */
    public Etcd2Config withEndpoints(List<URI> found) {
        return new Etcd2Config(found, username, password, tls, useProxies, srv, srvSuffix);
    }

    /** Parse a config section; {@link IllegalArgumentException} names the offending key. */
    public static Etcd2Config fromMap(Map<String, Object> section) {
        String protocol = string(section, "protocol", "http");
        if (!protocol.equals("http") && !protocol.equals("https")) {
            throw new IllegalArgumentException(SECTION + ".protocol must be http or https, not '" + protocol + "'");
        }
        boolean useProxies = bool(section, "use_proxies");
        String user = string(section, "username", null);
        String pass = string(section, "password", null);
        List<URI> endpoints = new ArrayList<>();
        String urlKey = section.get("proxy") != null ? "proxy" : section.get("url") != null ? "url" : null;
        // SRV is asked first, the hosts are its fallback; a proxy is used alone (as Patroni does)
        String srv = "proxy".equals(urlKey) ? null : string(section, "srv", null);
        if (urlKey != null) {
            URI uri = url(urlKey, string(section, urlKey, null));
            if (urlKey.equals("proxy")) useProxies = true;
            if (user == null && uri.getUserInfo() != null) {
                String[] info = uri.getUserInfo().split(":", 2);
                user = info[0];
                pass = info.length > 1 ? info[1] : "";
            }
            // Patroni takes scheme, host and port (default 2379) from the URL; a path is not used
            endpoints.add(URI.create(uri.getScheme() + "://" + uri.getHost() + ":"
                    + (uri.getPort() > 0 ? uri.getPort() : 2379)));
        } else if (section.get("hosts") != null) {
            for (String h : hosts(section.get("hosts"))) endpoints.add(hostPort("hosts", h, protocol));
        } else if (section.get("host") != null || srv == null) {
            endpoints.add(hostPort("host", string(section, "host", "127.0.0.1:2379"), protocol));
        }
        String srvSuffix = srv == null ? null : string(section, "srv_suffix", null);
        return new Etcd2Config(endpoints, user, pass, tls(section), useProxies, srv, srvSuffix);
    }

    /**
     * The TLS context when {@code cacert}, {@code cert} or {@code key} is set (the files are read now, so a bad file
     * stops the start-up naming its key), else null. {@code key} without {@code cert} is refused; {@code cert}
     * without {@code key} means the key is in the certificate file, as Patroni allows.
     */
    private static SSLContext tls(Map<String, Object> section) {
        Path cacert = file(section, "cacert");
        Path cert = file(section, "cert");
        Path key = file(section, "key");
        if (cacert == null && cert == null && key == null) return null;
        if (key != null && cert == null) {
            throw new IllegalArgumentException(SECTION + ".key needs " + SECTION + ".cert (the client certificate)");
        }
        try {
            return new PemTls(cacert, cert, key, null).sslContext();
        } catch (IOException | GeneralSecurityException e) {
            String which = cert == null ? SECTION + ".cacert " + cacert
                    : SECTION + ".cacert/cert/key (" + cacert + ", " + cert + ", " + (key == null ? cert : key) + ")";
            throw new IllegalArgumentException(which + ": cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static Path file(Map<String, Object> section, String key) {
        String v = string(section, key, null);
        if (v == null || v.isBlank()) return null;
        Path p = Path.of(v);
        if (!Files.isReadable(p)) throw new IllegalArgumentException(SECTION + "." + key + ": cannot read " + p);
        return p;
    }

    private static List<String> hosts(Object value) {
        List<String> out = new ArrayList<>();
        if (value instanceof List<?> list) {
            list.forEach(v -> out.add(String.valueOf(v).strip()));
        } else if (value instanceof String s) {
            for (String h : s.split(",")) {
                if (!h.isBlank()) out.add(h.strip());
            }
        } else {
            throw new IllegalArgumentException(SECTION + ".hosts must be a list or a comma-separated string");
        }
        if (out.isEmpty()) throw new IllegalArgumentException(SECTION + ".hosts is empty");
        return out;
    }

    private static URI hostPort(String key, String hostPort, String protocol) {
        String hp = hostPort.contains(":") ? hostPort : hostPort + ":2379";
        try {
            URI uri = URI.create(protocol + "://" + hp);
            if (uri.getHost() == null || uri.getPort() <= 0) throw new IllegalArgumentException("no host:port");
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SECTION + "." + key + ": '" + hostPort + "' is not host:port", e);
        }
    }

    private static URI url(String key, String url) {
        try {
            URI uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            if (uri.getScheme() == null || uri.getHost() == null) throw new IllegalArgumentException("no host");
            if (!uri.getScheme().equals("http") && !uri.getScheme().equals("https")) {
                throw new IllegalArgumentException("scheme must be http or https");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SECTION + "." + key + ": '" + url + "' is not an http(s) URL", e);
        }
    }

    private static boolean bool(Map<String, Object> section, String key) {
        Object v = section.get(key);
        if (v == null || v instanceof Boolean) return Boolean.TRUE.equals(v);
        String s = v.toString().strip().toLowerCase(java.util.Locale.ROOT);
        if (List.of("true", "yes", "on", "1").contains(s)) return true;
        if (List.of("false", "no", "off", "0").contains(s)) return false;
        throw new IllegalArgumentException(SECTION + "." + key + " must be true or false, not '" + v + "'");
    }

    private static String string(Map<String, Object> section, String key, String dflt) {
        Object v = section.get(key);
        if (v == null) return dflt;
        if (v instanceof Map<?, ?> || v instanceof List<?>) {
            throw new IllegalArgumentException(SECTION + "." + key + " must be a string");
        }
        return v.toString();
    }
}
