package dev.regent.dcs.etcd;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Connection settings parsed from Patroni's {@code etcd3} section: {@code host}, {@code hosts} (list or comma
 * string), {@code url}, {@code protocol}, {@code username}, {@code password}. Immutable.
 *
 * @param endpoints base URLs tried in order, e.g. {@code http://10.0.0.1:2379}
 */
public record EtcdConfig(List<URI> endpoints, String username, String password) {
    private static final String SECTION = "etcd3";
    private static final List<String> UNSUPPORTED = List.of("proxy", "srv", "srv_suffix", "cacert", "cert", "key");

    public EtcdConfig {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) throw new IllegalArgumentException(SECTION + ": no etcd endpoint configured");
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException(SECTION + ".username and " + SECTION + ".password go together");
        }
    }

    /** Parse a config section; {@link IllegalArgumentException} names the offending key. */
    public static EtcdConfig fromMap(Map<String, Object> section) {
        for (String key : UNSUPPORTED) {
            if (section.get(key) != null) {
                throw new IllegalArgumentException(SECTION + "." + key + " is not supported by Regent yet");
            }
        }
        String protocol = string(section, "protocol", "http");
        if (!protocol.equals("http") && !protocol.equals("https")) {
            throw new IllegalArgumentException(SECTION + ".protocol must be http or https, not '" + protocol + "'");
        }
        List<URI> endpoints = new ArrayList<>();
        if (section.get("url") != null) {
            endpoints.add(url(string(section, "url", null)));
        } else if (section.get("hosts") != null) {
            for (String h : hosts(section.get("hosts"))) endpoints.add(hostPort("hosts", h, protocol));
        } else {
            endpoints.add(hostPort("host", string(section, "host", "127.0.0.1:2379"), protocol));
        }
        return new EtcdConfig(endpoints, string(section, "username", null), string(section, "password", null));
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

    private static URI url(String url) {
        try {
            URI uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            if (uri.getScheme() == null || uri.getHost() == null) throw new IllegalArgumentException("no host");
            if (!uri.getScheme().equals("http") && !uri.getScheme().equals("https")) {
                throw new IllegalArgumentException("scheme must be http or https");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SECTION + ".url: '" + url + "' is not an http(s) URL", e);
        }
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
