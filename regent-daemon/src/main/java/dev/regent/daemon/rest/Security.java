package dev.regent.daemon.rest;

import dev.regent.daemon.tls.ServerTls;
import java.util.List;
import java.util.Map;

/**
 * How the REST API protects itself and what it adds to answers (Patroni's {@code restapi} TLS, allowlist, extra
 * headers and {@code server_tokens}).
 *
 * @param tls                     HTTPS, or null for plain HTTP
 * @param allowlist               {@code restapi.allowlist}: IPs, CIDRs and host names allowed on unsafe endpoints
 * @param allowlistIncludeMembers also allow the hosts of members' {@code api_url}
 * @param httpExtraHeaders        added to every answer
 * @param httpsExtraHeaders       added to every answer when TLS is on
 * @param serverTokens            {@code original} (no Server header of ours), {@code productonly} ({@code Patroni}),
 *                                {@code minimal} ({@code Patroni/<version>})
 */
public record Security(ServerTls tls, List<String> allowlist, boolean allowlistIncludeMembers,
                       Map<String, String> httpExtraHeaders, Map<String, String> httpsExtraHeaders,
                       String serverTokens) {
    /** Plain HTTP, open, no headers. */
    public static final Security NONE = new Security(null, List.of(), false, Map.of(), Map.of(), "original");

    public Security {
        allowlist = allowlist == null ? List.of() : List.copyOf(allowlist);
        httpExtraHeaders = httpExtraHeaders == null ? Map.of() : Map.copyOf(httpExtraHeaders);
        httpsExtraHeaders = httpsExtraHeaders == null ? Map.of() : Map.copyOf(httpsExtraHeaders);
        serverTokens = serverTokens == null ? "original" : serverTokens;
    }

    public Security withTls(ServerTls t) {
        return new Security(t, allowlist, allowlistIncludeMembers, httpExtraHeaders, httpsExtraHeaders, serverTokens);
    }

    public Security withAllowlist(List<String> list, boolean includeMembers) {
        return new Security(tls, list, includeMembers, httpExtraHeaders, httpsExtraHeaders, serverTokens);
    }

    public Security withHeaders(Map<String, String> http, Map<String, String> https, String tokens) {
        return new Security(tls, allowlist, allowlistIncludeMembers, http, https, tokens);
    }
}
