package dev.regent.dcs.etcd2;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Connection settings parsed from Patroni's {@code etcd} (v2 API) section: {@code host}, {@code hosts} (list or comma
 * string), {@code url}, {@code proxy}, {@code protocol}, {@code username}, {@code password}. As in Patroni,
 * {@code proxy} wins over {@code url}, which wins over {@code hosts}, which wins over {@code host}; credentials in a
 * URL ({@code http://user:pass@host:port}) are used when {@code username} is not set; {@code cacert} (PEM) replaces
 * the JVM's trusted CAs for https. Immutable.
 *
 * @param endpoints  base URLs tried in order, e.g. {@code http://10.0.0.1:2379}
 * @param cacert     PEM file of the CA certificates to trust for https, or null for the JVM's
 * @param useProxies Patroni's {@code use_proxies} (true with {@code proxy}): talk only to the configured endpoints;
 *                   when false (the default) the etcd cluster's members are discovered from {@code /v2/machines}
 */
public record Etcd2Config(List<URI> endpoints, String username, String password, String cacert,
                          boolean useProxies) {
    static final String SECTION = "etcd";
    /** Keys Regent's v2 store does not implement yet: refused with a clear error instead of being ignored. */
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "srv", "SRV discovery for the etcd v2 API is not implemented: list the endpoints in etcd.hosts",
            "cert", "TLS client certificates for the etcd v2 API are not implemented",
            "key", "TLS client certificates for the etcd v2 API are not implemented");

    /** Exactly these endpoints (no discovery), without a CA file of its own. */
    public Etcd2Config(List<URI> endpoints, String username, String password) {
        this(endpoints, username, password, null, true);
    }

    public Etcd2Config {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) throw new IllegalArgumentException(SECTION + ": no etcd endpoint configured");
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException(SECTION + ".username and " + SECTION + ".password go together");
        }
    }

    /** Parse a config section; {@link IllegalArgumentException} names the offending key. */
    public static Etcd2Config fromMap(Map<String, Object> section) {
        for (Map.Entry<String, String> e : UNSUPPORTED.entrySet()) {
            if (section.get(e.getKey()) != null) {
                throw new IllegalArgumentException(SECTION + "." + e.getKey() + ": " + e.getValue());
            }
        }
        String protocol = string(section, "protocol", "http");
        if (!protocol.equals("http") && !protocol.equals("https")) {
            throw new IllegalArgumentException(SECTION + ".protocol must be http or https, not '" + protocol + "'");
        }
        List<URI> endpoints = new ArrayList<>();
        String urlKey = section.get("proxy") != null ? "proxy" : section.get("url") != null ? "url" : null;
        if (urlKey != null) {
            endpoints.add(url(urlKey, string(section, urlKey, null)));
        } else if (section.get("hosts") != null) {
            for (String h : hosts(section.get("hosts"))) endpoints.add(hostPort("hosts", h, protocol));
        } else {
            endpoints.add(hostPort("host", string(section, "host", "127.0.0.1:2379"), protocol));
        }
        String user = string(section, "username", null);
        String pass = string(section, "password", null);
        if (user == null && urlKey != null && endpoints.get(0).getUserInfo() != null) {
            String[] info = endpoints.get(0).getUserInfo().split(":", 2);
            user = info[0];
            pass = info.length > 1 ? info[1] : "";
        }
        boolean useProxies = section.get("proxy") != null || bool(section, "use_proxies");
        return new Etcd2Config(endpoints.stream().map(Etcd2Config::withoutUserInfo).toList(), user, pass,
                string(section, "cacert", null), useProxies);
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
            if (uri.getPort() <= 0) uri = URI.create(uri.getScheme() + "://" + authority(uri) + ":2379" + path(uri));
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SECTION + "." + key + ": '" + url + "' is not an http(s) URL", e);
        }
    }

    private static String authority(URI uri) {
        return (uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo() + "@") + uri.getHost();
    }

    private static String path(URI uri) {
        return uri.getRawPath() == null ? "" : uri.getRawPath();
    }

    private static URI withoutUserInfo(URI uri) {
        if (uri.getUserInfo() == null) return uri;
        return URI.create(uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort() + path(uri));
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
