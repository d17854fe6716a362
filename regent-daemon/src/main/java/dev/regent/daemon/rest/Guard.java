package dev.regent.daemon.rest;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import dev.regent.daemon.Versions;
import dev.regent.daemon.tls.ServerTls;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The checks of unsafe endpoints that come before basic auth (§3.2 steps 1 and 2: allowlist, then client certificate)
 * and the headers every answer carries. Built from a {@link Security}; immutable, thread-safe.
 */
final class Guard {
    static final Guard OPEN = new Guard(Security.NONE);

    private final ServerTls tls;
    private final AccessList access;
    private final Map<String, String> headers;

    Guard(Security s) {
        this.tls = s.tls();
        this.access = AccessList.of(s.allowlist(), s.allowlistIncludeMembers());
        Map<String, String> h = new LinkedHashMap<>();
        switch (s.serverTokens().toLowerCase(Locale.ROOT)) {
            case "productonly" -> h.put("Server", "Patroni");
            case "minimal" -> h.put("Server", "Patroni/" + Versions.PATRONI_COMPATIBLE);
            default -> { } // original: the server's own (the JDK sends none)
        }
        h.putAll(s.httpExtraHeaders());
        if (tls != null) h.putAll(s.httpsExtraHeaders());
        this.headers = Map.copyOf(h);
    }

    /** Adds the configured headers to an answer about to be sent. */
    void addHeaders(HttpExchange http) {
        if (headers.isEmpty()) return;
        Headers out = http.getResponseHeaders();
        headers.forEach(out::set);
    }

    /**
     * Null when the request may go on to basic auth, else Patroni's 403 message.
     *
     * @param memberApiUrls the members' api_url (for {@code allowlist_include_members})
     * @param checkMembers  false for {@code POST /failsafe}
     */
    String deny(HttpExchange http, Collection<String> memberApiUrls, boolean checkMembers) {
        if (!access.allows(http.getRemoteAddress().getAddress(), memberApiUrls, checkMembers)) {
            return "Access is denied";
        }
        if (tls != null && tls.verifyClient() != ServerTls.VerifyClient.NONE && !hasClientCertificate(http)) {
            return "client certificate required";
        }
        return null;
    }

    private static boolean hasClientCertificate(HttpExchange http) {
        if (!(http instanceof HttpsExchange https)) return false;
        SSLSession session = https.getSSLSession();
        try {
            return session != null && session.getPeerCertificates().length > 0;
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }
}
