package dev.regent.dcs.etcd;

import dev.regent.dcs.discovery.EtcdSettings;
import java.net.URI;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * Connection settings parsed from Patroni's {@code etcd3} section, with Patroni's precedence: {@code proxy} (the
 * URL of an etcd proxy or gateway, used alone; it implies {@code use_proxies}), else {@code url}, {@code hosts} (list
 * or comma string) or {@code host}; {@code srv} and {@code srv_suffix} for DNS SRV discovery (asked first, the hosts
 * are the fallback); {@code use_proxies} (default false: the cluster's members are discovered from the endpoints);
 * {@code protocol}; {@code username}/{@code password} (also from the URL's user info); {@code cacert}, {@code cert},
 * {@code key} and Regent's {@code key_password} for TLS. Immutable.
 *
 * @param endpoints  base URLs from the configuration, e.g. {@code http://10.0.0.1:2379}; empty only with {@code srv}
 * @param tls        the TLS context for https endpoints, or null for the JDK's default
 * @param useProxies use only the configured endpoints (no member discovery)
 * @param srv        the SRV domain, or null
 * @param srvSuffix  the SRV name suffix, or null
 */
public record EtcdConfig(List<URI> endpoints, String username, String password, SSLContext tls, boolean useProxies,
                         String srv, String srvSuffix) {
    private static final String SECTION = "etcd3";

    public EtcdConfig {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty() && srv == null) {
            throw new IllegalArgumentException(SECTION + ": no etcd endpoint configured");
        }
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException(SECTION + ".username and " + SECTION + ".password go together");
        }
    }

    /** Endpoints only, no TLS, SRV or proxy settings: members are discovered from them. */
    public EtcdConfig(List<URI> endpoints, String username, String password) {
        this(endpoints, username, password, null, false, null, null);
    }

    /** Parse a config section; {@link IllegalArgumentException} names the offending key. */
    public static EtcdConfig fromMap(Map<String, Object> section) {
        EtcdSettings s = EtcdSettings.parse(SECTION, section, true);
        return new EtcdConfig(s.endpoints(), s.username(), s.password(), s.tls(), s.useProxies(), s.srv(), s.srvSuffix());
    }
}
