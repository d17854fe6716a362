package dev.regent.dcs.discovery;

import dev.regent.dcs.tls.PemTls;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * Connection settings of Patroni's {@code etcd} and {@code etcd3} sections, which Patroni reads alike (its
 * AbstractEtcd), with its precedence: {@code proxy} (the URL of an etcd proxy or gateway, used alone; it implies
 * {@code use_proxies}), else {@code url}, {@code hosts} (list or comma string) or {@code host}; {@code srv} and
 * {@code srv_suffix} for DNS SRV discovery (asked first, the hosts are the fallback); {@code use_proxies} (default
 * false: the cluster's members are discovered from the endpoints); {@code protocol}; {@code username}/{@code password}
 * (also from the URL's user info); {@code cacert}, {@code cert}, {@code key} for TLS. Immutable.
 *
 * @param endpoints  base URLs from the configuration, e.g. {@code http://10.0.0.1:2379}; empty only with {@code srv}
 * @param username   the user, or null
 * @param password   its password, or null
 * @param tls        the TLS context for https endpoints, or null for the JDK's default
 * @param useProxies use only the configured endpoints (no member discovery)
 * @param srv        the SRV domain, or null
 * @param srvSuffix  the SRV name suffix, or null
 */
public record EtcdSettings(List<URI> endpoints, String username, String password, SSLContext tls, boolean useProxies,
                           String srv, String srvSuffix) {
    public EtcdSettings {
        endpoints = List.copyOf(endpoints);
    }

    /**
     * Parses {@code map}, the section named {@code section} ({@code etcd} or {@code etcd3});
     * {@link IllegalArgumentException} names the offending key.
     *
     * @param keyPassword whether {@code key_password} is read (Regent's etcd3 takes it; Patroni's sections do not)
     */
    public static EtcdSettings parse(String section, Map<String, Object> map, boolean keyPassword) {
        Reader r = new Reader(section, map);
        String protocol = r.string("protocol", "http");
        if (!protocol.equals("http") && !protocol.equals("https")) {
            throw new IllegalArgumentException(section + ".protocol must be http or https, not '" + protocol + "'");
        }
        boolean useProxies = r.bool("use_proxies");
        String username = r.string("username", null);
        String password = r.string("password", null);
        List<URI> endpoints = new ArrayList<>();
        String urlKey = map.get("proxy") != null ? "proxy" : map.get("url") != null ? "url" : null;
        // SRV is asked first, the hosts are its fallback; a proxy is used alone (as Patroni does)
        String srv = "proxy".equals(urlKey) ? null : r.string("srv", null);
        if (urlKey != null) {
            URI uri = r.url(urlKey);
            if (urlKey.equals("proxy")) useProxies = true;
            if (uri.getUserInfo() != null) {
                String[] user = uri.getUserInfo().split(":", 2);
                username = user[0];
                password = user.length > 1 ? user[1] : null;
            }
            // Patroni takes scheme, host and port (default 2379) from the URL; a path is not used
            endpoints.add(URI.create(uri.getScheme() + "://" + uri.getHost() + ":"
                    + (uri.getPort() > 0 ? uri.getPort() : 2379)));
        } else if (map.get("hosts") != null) {
            for (String h : r.hosts()) endpoints.add(r.hostPort("hosts", h, protocol));
        } else if (map.get("host") != null || srv == null) {
            endpoints.add(r.hostPort("host", r.string("host", "127.0.0.1:2379"), protocol));
        }
        if (endpoints.isEmpty() && srv == null) {
            throw new IllegalArgumentException(section + ": no etcd endpoint configured");
        }
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException(section + ".username and " + section + ".password go together");
        }
        String srvSuffix = srv == null ? null : r.string("srv_suffix", null);
        SSLContext tls = r.tls(keyPassword ? r.string("key_password", null) : null);
        return new EtcdSettings(endpoints, username, password, tls, useProxies, srv, srvSuffix);
    }

    /** Typed reads of one section, naming {@code section.key} in every error. */
    private record Reader(String section, Map<String, Object> map) {
        /**
         * The TLS context when {@code cacert}, {@code cert} or {@code key} is set (the files are read now, so a bad
         * file stops the start-up naming its key), else null. {@code key} without {@code cert} is refused; {@code cert}
         * without {@code key} means the key is in the certificate file, as Patroni allows.
         */
        SSLContext tls(String keyPassword) {
            Path cacert = file("cacert");
            Path cert = file("cert");
            Path key = file("key");
            if (cacert == null && cert == null && key == null) return null;
            if (key != null && cert == null) {
                throw new IllegalArgumentException(section + ".key needs " + section + ".cert (the client certificate)");
            }
            try {
                return new PemTls(cacert, cert, key, keyPassword).sslContext();
            } catch (IOException | GeneralSecurityException e) {
                String which = cert == null ? section + ".cacert " + cacert : section + ".cacert/cert/key (" + cacert
                        + ", " + cert + ", " + (key == null ? cert : key) + ")";
                throw new IllegalArgumentException(which + ": cannot set up TLS: " + e.getMessage(), e);
            }
        }

        private Path file(String key) {
            String v = string(key, null);
            if (v == null || v.isBlank()) return null;
            Path p = Path.of(v);
            if (!Files.isReadable(p)) throw new IllegalArgumentException(section + "." + key + ": cannot read " + p);
            return p;
        }

        List<String> hosts() {
            Object value = map.get("hosts");
            List<String> out = new ArrayList<>();
            if (value instanceof List<?> list) {
                list.forEach(v -> out.add(String.valueOf(v).strip()));
            } else if (value instanceof String s) {
                for (String h : s.split(",")) {
                    if (!h.isBlank()) out.add(h.strip());
                }
            } else {
                throw new IllegalArgumentException(section + ".hosts must be a list or a comma-separated string");
            }
            if (out.isEmpty()) throw new IllegalArgumentException(section + ".hosts is empty");
            return out;
        }

        URI hostPort(String key, String hostPort, String protocol) {
            String hp = hostPort.contains(":") ? hostPort : hostPort + ":2379";
            try {
                URI uri = URI.create(protocol + "://" + hp);
                if (uri.getHost() == null || uri.getPort() <= 0) throw new IllegalArgumentException("no host:port");
                return uri;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(section + "." + key + ": '" + hostPort + "' is not host:port", e);
            }
        }

        URI url(String key) {
            String url = string(key, null);
            try {
                URI uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
                if (uri.getScheme() == null || uri.getHost() == null) throw new IllegalArgumentException("no host");
                if (!uri.getScheme().equals("http") && !uri.getScheme().equals("https")) {
                    throw new IllegalArgumentException("scheme must be http or https");
                }
                return uri;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(section + "." + key + ": '" + url + "' is not an http(s) URL", e);
            }
        }

        boolean bool(String key) {
            Object v = map.get(key);
            if (v == null) return false;
            if (v instanceof Boolean b) return b;
            String s = v.toString().strip().toLowerCase(Locale.ROOT);
            if (List.of("true", "on", "yes", "1").contains(s)) return true;
            if (List.of("false", "off", "no", "0", "").contains(s)) return false;
            throw new IllegalArgumentException(section + "." + key + " must be true or false, not '" + v + "'");
        }

        String string(String key, String dflt) {
            Object v = map.get(key);
            if (v == null) return dflt;
            if (v instanceof Map<?, ?> || v instanceof List<?>) {
                throw new IllegalArgumentException(section + "." + key + " must be a string");
            }
            return v.toString();
        }
    }
}
