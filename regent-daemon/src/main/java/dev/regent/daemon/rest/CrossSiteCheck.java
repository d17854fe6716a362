package dev.regent.daemon.rest;

import com.sun.net.httpserver.Headers;
import java.net.URI;
import java.util.Locale;

/**
 * Refuses unsafe requests (POST, PUT, PATCH, DELETE) that a browser sent on behalf of another site, so that a page
 * elsewhere cannot make an operator's browser switch over, restart or reconfigure the cluster (cross-site request
 * forgery). The rule, from the browser's own headers:
 * <ol>
 *   <li>{@code Sec-Fetch-Site} present (every current browser sends it): only {@code same-origin} (the dashboard
 *       served by this very API) and {@code none} (typed by the user) pass; {@code same-site} and {@code cross-site}
 *       are refused, since another port or host of the same site is another origin.</li>
 *   <li>else {@code Origin} present: it must name this server, i.e. its {@code host[:port]} equals the {@code Host}
 *       header; {@code Origin: null} is refused.</li>
 *   <li>neither: the client is no browser (regentctl, patronictl, curl, HAProxy, scripts): the request passes.</li>
 * </ol>
 * Pure, thread-safe.
 */
final class CrossSiteCheck {
    private CrossSiteCheck() {}

    /** Null when the request may go on, else the 403 message naming the header that refused it. */
    static String refusal(Headers h) {
        String site = h.getFirst("Sec-Fetch-Site");
        if (site != null) {
            String s = site.trim().toLowerCase(Locale.ROOT);
            if (s.equals("same-origin") || s.equals("none")) return null;
            return "cross-site request refused (Sec-Fetch-Site: " + site.trim() + ")";
        }
        String origin = h.getFirst("Origin");
        if (origin == null) return null;
        String host = h.getFirst("Host");
        String originHost = authority(origin.trim());
        if (originHost != null && host != null && originHost.equalsIgnoreCase(host.trim())) return null;
        return "cross-site request refused (Origin: " + origin.trim() + " is not " + (host == null ? "this server"
                : host.trim()) + ")";
    }

    /** {@code host[:port]} of an origin {@code scheme://host[:port]}, or null when it is none (e.g. {@code null}). */
    private static String authority(String origin) {
        try {
            URI u = URI.create(origin);
            return u.getScheme() == null ? null : u.getRawAuthority();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
