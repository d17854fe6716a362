package dev.regent.daemon.rest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Basic authentication of unsafe endpoints (§3.2 step 3). Compares in constant time so that the response time does
 * not reveal how much of a guess was right. Immutable, thread-safe.
 */
final class BasicAuth {
    private final byte[] expected;

    /** Null username: authentication is off and every request passes. */
    BasicAuth(String username, String password) {
        this.expected = username == null ? null : Base64.getEncoder()
                .encode((username + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
    }

    /** Null when the request may pass, else Patroni's 401 message. */
    String check(String authorizationHeader) {
        if (expected == null) return null;
        if (authorizationHeader == null) return "no auth header received";
        if (!authorizationHeader.startsWith("Basic ")) return "not authenticated";
        byte[] given = authorizationHeader.substring(6).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, given) ? null : "not authenticated";
    }
}
