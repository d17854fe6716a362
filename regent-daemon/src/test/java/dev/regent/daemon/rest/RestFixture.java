package dev.regent.daemon.rest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real {@link RestApiServer} on a free loopback port with a fake loop behind it, and an HTTP/1.1 client. Monotonic
 * time is {@link #time} (starts at {@link Fixtures#NOW}); wall time is fixed at 2025-01-01T00:00:00Z.
 */
final class RestFixture implements AutoCloseable {
    static final Instant WALL_NOW = Instant.parse("2025-01-01T00:00:00Z");

    final AtomicReference<NodeStatus> status = new AtomicReference<>(Fixtures.primary());
    final AtomicLong time = new AtomicLong(Fixtures.NOW);
    final FakeNodeControl control = new FakeNodeControl();
    final RestApiServer server;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    String authorization;

    RestFixture(String user, String password) throws IOException {
        control.setView(Fixtures.cluster());
        RestApiServer.Options o = RestApiServer.Options.of("127.0.0.1:0")
                .withClocks(Clock.fixed(WALL_NOW, ZoneOffset.UTC), time::get)
                .withSwitchoverTimeout(Duration.ofSeconds(2));
        if (user != null) {
            o = o.withAuth(user, password);
            authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes());
        }
        server = new RestApiServer(o, status::get, control);
        server.start();
    }

    RestFixture() throws IOException {
        this(null, null);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send("GET", path, null);
    }

    int code(String path) throws IOException, InterruptedException {
        return get(path).statusCode();
    }

    HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) b.header("Authorization", authorization);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A hand-written request over a raw socket (for requests HttpClient will not produce); returns the answer. */
    String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
