package dev.regent.daemon.rest;

import com.sun.net.httpserver.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /dashboard}: Regent's built-in dashboard, one self-contained HTML page (inline CSS and JavaScript, no
 * external assets) kept as the resource {@value #RESOURCE}. The page reads {@code /cluster}, {@code /history} and
 * {@code /decisions} of the server that served it and calls its unsafe endpoints with the credentials the operator
 * types; it holds no secret itself, so it is served without authentication like Patroni's other GET endpoints.
 *
 * <p>The answer carries a Content-Security-Policy that allows exactly the page's own inline script and style (by their
 * SHA-256, computed here from the resource), requests to this origin only, and no framing (so that no other site can
 * overlay its buttons). Immutable, thread-safe.
 */
final class Dashboard {
    static final String RESOURCE = "dashboard.html";
    private static final Pattern SCRIPT = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL);
    private static final Pattern STYLE = Pattern.compile("<style>(.*?)</style>", Pattern.DOTALL);

    /** The page as served. */
    private final byte[] page;
    private final String policy;

    private Dashboard(byte[] page) {
        this.page = page;
        String html = new String(page, StandardCharsets.UTF_8);
        this.policy = "default-src 'none'; script-src " + hashes(SCRIPT, html) + "; style-src " + hashes(STYLE, html)
                + "; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
                + "frame-ancestors 'none'";
    }

    /** The page from the class path; a missing resource is a broken build, not a runtime condition. */
    static Dashboard load() {
        try (InputStream in = Dashboard.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("resource " + RESOURCE + " is missing from the build");
            return new Dashboard(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        }
    }

    /** The Content-Security-Policy header value. */
    String policy() {
        return policy;
    }

    void serve(Exchange ex) throws IOException {
        Headers h = ex.http.getResponseHeaders();
        h.set("Content-Type", "text/html; charset=utf-8");
        h.set("Content-Security-Policy", policy);
        h.set("X-Frame-Options", "DENY");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Cache-Control", "no-store");
        ex.http.sendResponseHeaders(200, page.length);
        try (OutputStream out = ex.http.getResponseBody()) {
            out.write(page);
        }
    }

    /** {@code 'sha256-...'} of every block's text, the form CSP compares inline code with. */
    private static String hashes(Pattern block, String html) {
        List<String> out = new ArrayList<>();
        Matcher m = block.matcher(html);
        while (m.find()) {
            out.add("'sha256-" + Base64.getEncoder().encodeToString(sha256(m.group(1))) + "'");
        }
        return out.isEmpty() ? "'none'" : String.join(" ", out);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
