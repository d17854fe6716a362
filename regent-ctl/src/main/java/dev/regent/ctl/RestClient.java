package dev.regent.ctl;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.model.Member;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import dev.regent.daemon.tls.ClientTls;

/**
 * Calls members' REST APIs the way patronictl does: the endpoint replaces the path of the member's
 * {@code api_url}; JSON bodies; basic auth from the ctl credentials. Thread-safe; every call blocks up to its timeout.
 */
public final class RestClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;
    private final String authorization;

    /** One reply. */
    public record Reply(int status, String body) {}

    public RestClient(String user, String password, boolean insecure) {
        this(user, password, new ClientTls(insecure, null, null, null, null));
    }

    /**
     * @param tls the {@code ctl} TLS settings (CA, client certificate, insecure)
     * @throws CtlException when a certificate or key file cannot be used
     */
    public RestClient(String user, String password, ClientTls tls) {
        try {
            this.http = tls.httpClient(Duration.ofSeconds(5));
        } catch (IOException e) {
            throw new CtlException("ctl: " + e.getMessage());
        }
        this.authorization = user == null ? null : "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
    }

    /** The URL of {@code endpoint} on a member: scheme and authority of its api_url, path {@code /endpoint}. */
    public static URI endpoint(Member m, String endpoint) {
        if (m.apiUrl() == null) throw new CtlException("member " + m.name() + " has no api_url");
        URI api = URI.create(m.apiUrl());
        return URI.create(api.getScheme() + "://" + api.getRawAuthority() + "/" + endpoint);
    }

    /**
     * Sends a request. {@code body} (a Map/List or null) is sent as JSON.
     *
     * @throws IOException when the member cannot be reached or does not answer within {@code timeout}
     */
    public Reply call(Member m, String method, String endpoint, Object body, Duration timeout) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint(m, endpoint)).timeout(timeout)
                .header("User-Agent", "regentctl");
        if (authorization != null) b.header("Authorization", authorization);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

}
