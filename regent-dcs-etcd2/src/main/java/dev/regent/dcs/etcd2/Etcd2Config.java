package dev.regent.dcs.etcd2;

import dev.regent.dcs.discovery.EtcdSettings;
import java.net.URI;
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
        EtcdSettings s = EtcdSettings.parse(SECTION, section, false);
        return new Etcd2Config(s.endpoints(), s.username(), s.password(), s.tls(), s.useProxies(), s.srv(), s.srvSuffix());
    }
}
