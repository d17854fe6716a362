package dev.regent.ctl;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A JDK HttpServer standing in for one member's REST API: records requests, answers from a script. */
final class FakeMember implements AutoCloseable {
    record Request(String method, String path, String body, String authorization) {}

    record Reply(int status, String body) {}

    final String name;
    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Function<Request, Reply>> replies = new ConcurrentHashMap<>();
    private final HttpServer server;

    FakeMember(String name) throws IOException {
        this.name = name;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Request r = new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), body,
                    ex.getRequestHeaders().getFirst("Authorization"));
            requests.add(r);
            Reply reply = replies.getOrDefault(r.method + " " + r.path, q -> new Reply(200, "OK")).apply(r);
            byte[] b = reply.body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(reply.status, b.length == 0 ? -1 : b.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        });
        server.start();
    }

    FakeMember reply(String methodAndPath, int status, String body) {
        replies.put(methodAndPath, r -> new Reply(status, body));
        return this;
    }

    FakeMember reply(String methodAndPath, Function<Request, Reply> f) {
        replies.put(methodAndPath, f);
        return this;
    }

    String apiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/patroni";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
