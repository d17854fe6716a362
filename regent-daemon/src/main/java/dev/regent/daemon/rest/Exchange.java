package dev.regent.daemon.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One request and its answer: parsed path and query, body reading with Patroni's rules, and the response writers
 * with Patroni's content types. Not thread-safe (one per request). Every writer sends exactly one response.
 */
final class Exchange {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Bodies are small JSON documents; anything bigger is refused rather than buffered. */
    static final int MAX_BODY = 1 << 20;
    /**
     * An oversized body up to this size is read and discarded before the 413 goes out: a client that writes its whole
     * body before reading (most do) would otherwise be reset by our close and never see the answer. Reading it is
     * bounded in time by the server's request timeout.
     */
    static final long DISCARD_LIMIT = 64L << 20;
    private static final String TEXT = "text/html";
    private static final String APPLICATION_JSON = "application/json";

    final HttpExchange http;
    final String method;
    final String path;
    final Map<String, String> query;

    Exchange(HttpExchange http) {
        this.http = http;
        this.method = http.getRequestMethod();
        String p = http.getRequestURI().getRawPath();
        this.path = p == null || p.isEmpty() ? "/" : decode(p);
        this.query = parseQuery(http.getRequestURI().getRawQuery());
    }

    /** First path segment, Patroni's handler selector: {@code /cluster/x} -> {@code cluster}, {@code /} -> "". */
    String firstSegment() {
        String p = path.startsWith("/") ? path.substring(1) : path;
        int slash = p.indexOf('/');
        return slash < 0 ? p : p.substring(0, slash);
    }

    /** First value of each query parameter, like Patroni's {@code path_query[key][0]}. */
    private static Map<String, String> parseQuery(String raw) {
        if (raw == null || raw.isEmpty()) return Map.of();
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            // parse_qs drops parameters with an empty value
            if (eq < 0 || eq == pair.length() - 1) continue;
            out.putIfAbsent(key, decode(pair.substring(eq + 1)));
        }
        return Collections.unmodifiableMap(out);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    /**
     * Read the body as a JSON object. Without {@code Content-Length}: 411, or an empty map when the body is optional.
     * Malformed JSON, a non-object or an empty object (when required): 400 naming the problem.
     */
    Map<String, Object> readJsonObject(boolean optional) throws IOException {
        String length = http.getRequestHeaders().getFirst("Content-Length");
        if (length == null) {
            if (optional) return new LinkedHashMap<>();
            throw HttpError.page(411, "Length Required: a JSON body with Content-Length is required");
        }
        long n;
        try {
            n = Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            throw HttpError.page(400, "invalid Content-Length: " + length);
        }
        if (n > MAX_BODY) throw tooLarge(n);
        if (n == 0 && optional) return new LinkedHashMap<>();
        byte[] body = readBody((int) n);
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw HttpError.page(400, "invalid JSON: " + e.getOriginalMessage());
        }
        if (node == null || node.isMissingNode()) throw HttpError.page(400, "invalid JSON: empty body");
        if (!node.isObject()) throw HttpError.page(400, "body must be a JSON object, got " + node.getNodeType());
        @SuppressWarnings("unchecked")
        Map<String, Object> map = JSON.convertValue(node, LinkedHashMap.class);
        if (map.isEmpty() && !optional) throw HttpError.page(400, "body must be a non-empty JSON object");
        return map;
    }

    /**
     * 413 for a body of {@code n} bytes. The body is discarded first when it is at most {@link #DISCARD_LIMIT}, so the
     * connection stays usable; a bigger one is not read and the connection is closed after the answer.
     */
    private HttpError tooLarge(long n) {
        if (n > DISCARD_LIMIT || !discard()) http.getResponseHeaders().set("Connection", "close");
        return HttpError.page(413, "Request Entity Too Large: the body has " + n + " bytes, the limit is " + MAX_BODY);
    }

    /** Read and drop the whole body; false when the client went away or stalled past the request timeout. */
    private boolean discard() {
        try {
            http.getRequestBody().transferTo(OutputStream.nullOutputStream());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private byte[] readBody(int n) throws IOException {
        try (InputStream in = http.getRequestBody()) {
            byte[] body = in.readNBytes(n);
            if (body.length < n) throw HttpError.page(400, "body shorter than its Content-Length");
            return body;
        }
    }

    /** Drain an unread body so that the connection can be reused. */
    void drain() {
        try (InputStream in = http.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the connection is closed anyway
        }
    }

    void sendJson(int status, byte[] json) throws IOException {
        send(status, APPLICATION_JSON, json);
    }

    void sendJson(int status, Object value) throws IOException {
        sendJson(status, JSON.writeValueAsBytes(value));
    }

    /** Plain answer; Patroni sends those as {@code text/html}. */
    void sendText(int status, String text) throws IOException {
        send(status, TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    void sendMetrics(String text) throws IOException {
        send(200, "text/plain", text.getBytes(StandardCharsets.UTF_8));
    }

    /** Python's {@code send_error} page. */
    void sendErrorPage(int status, String message) throws IOException {
        String html = "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n"
                + "        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n"
                + "        <p>Error code: " + status + "</p>\n        <p>Message: " + escape(message) + ".</p>\n"
                + "    </body>\n</html>\n";
        send(status, "text/html;charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    /** Status line without a body (HEAD, OPTIONS, /liveness, /readiness). */
    void sendStatusOnly(int status) throws IOException {
        http.sendResponseHeaders(status, -1);
    }

    private void send(int status, String contentType, byte[] body) throws IOException {
        http.getResponseHeaders().set("Content-Type", contentType);
        if ("HEAD".equals(method)) {
            http.sendResponseHeaders(status, -1);
            return;
        }
        http.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = http.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
