package dev.regent.daemon.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.config.NodeConfig.Callbacks;
import dev.regent.core.config.NodeConfig.PgUser;
import dev.regent.core.config.NodeConfig.PostgresqlConfig;
import dev.regent.daemon.rest.NodeStatus;
import dev.regent.daemon.rest.RestApiServer;
import dev.regent.postgres.CommandRunner;
import dev.regent.postgres.PgConnection;
import dev.regent.postgres.PgStatus;
import dev.regent.postgres.Postgresql;
import dev.regent.postgres.StopMode;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code GET /patroni} reads the WAL positions from a real PostgreSQL at request time (as Patroni does), over its own
 * connection, bounded, falling back to the published snapshot; the health checks stay on the snapshot. No HA cycle
 * runs here: the only thing that changes between two requests is the WAL the server wrote.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LivePatroniStatusTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PgUser SUPERUSER = new PgUser("postgres", "su-secret", Map.of());
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<RestApiServer> servers = new ArrayList<>();
    private Path base;
    private Postgresql pg;
    private int port;

    @BeforeAll
    void startPostgres() throws Exception {
        base = Files.createTempDirectory("regent-live-wal");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        new CommandRunner().ensureOwnedDirectory(base.resolve("sockets"));
        port = freePort();
        PostgresqlConfig cfg = new PostgresqlConfig("127.0.0.1:" + port, "127.0.0.1:" + port,
                base.resolve("n1").toString(), null, null, base.resolve("n1.pgpass").toString(), null, SUPERUSER,
                null, null, Map.of("unix_socket_directories", base.resolve("sockets").toString(), "fsync", false,
                "shared_buffers", "16MB"), List.of("local all all trust", "host all all 127.0.0.1/32 scram-sha-256"),
                null, List.of(), List.of("basebackup"), true, false, false, 60, Callbacks.NONE, null, null, Map.of(),
                Map.of(), false, false);
        pg = new Postgresql(cfg, "regent-test", "n1");
        pg.initdb(List.of("--encoding=UTF8", "--locale=C"), SUPERUSER.password());
        pg.writeConfig(dev.regent.postgres.Role.PRIMARY, null, null);
        assertThat(pg.start(Duration.ofSeconds(60))).isTrue();
    }

    @AfterAll
    void cleanUp() throws Exception {
        servers.forEach(RestApiServer::stop);
        if (pg != null && !pg.stop(StopMode.IMMEDIATE, Duration.ofSeconds(10))) {
            pg.postmasterPid().flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
        }
        try (Stream<Path> s = Files.walk(base)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void patroniReportsWalWrittenAfterTheSnapshotWhileHealthChecksKeepTheSnapshot() throws Exception {
        NodeStatus snapshot = published(pg.status());
        long published = snapshot.pg().location();
        RestApiServer server = serve(snapshot, new LiveWal(pg::walNow));
        pg.connection().execute("CREATE TABLE wal_grows AS SELECT g FROM pg_catalog.generate_series(1, 10000) g");

        JsonNode live = get(server, "/patroni");
        long current = pg.status().walPosition();

        assertThat(live.path("xlog").path("location").asLong()).isGreaterThan(published).isLessThanOrEqualTo(current);
        assertThat(live.path("role").asText()).isEqualTo("primary");
        assertThat(live.path("timeline").asInt()).isEqualTo(1);
        assertThat(get(server, "/primary").path("xlog").path("location").asLong()).isEqualTo(published);
    }

    @Test
    void patroniDoesNotWaitForTheHaLoopsConnection() throws Exception {
        NodeStatus snapshot = published(pg.status());
        RestApiServer server = serve(snapshot, new LiveWal(pg::walNow));
        get(server, "/patroni"); // opens the REST connection before the loop's connection is busy
        CompletableFuture<Void> busyLoop = CompletableFuture.runAsync(
                () -> pg.connection().execute("SELECT pg_catalog.pg_sleep(4)"));
        Thread.sleep(300); // let the sleep take the loop's connection
        CompletableFuture<Long> write = CompletableFuture.supplyAsync(() -> {
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "su-secret")) {
                c.createStatement().execute("CREATE TABLE wal_grows_2 AS SELECT 1 AS g");
                return 0L;
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        write.get();

        long t0 = System.nanoTime();
        JsonNode live = get(server, "/patroni");
        long tookMs = (System.nanoTime() - t0) / 1_000_000;

        assertThat(busyLoop).isNotDone();
        assertThat(tookMs).isLessThan(2000);
        assertThat(live.path("xlog").path("location").asLong()).isGreaterThan(snapshot.pg().location());
        busyLoop.get();
    }

    @Test
    void patroniFallsBackToTheSnapshotWhenPostgresDoesNotAnswer() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            // accepts connections and never says a word: the read is bounded by the connection's timeouts
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) accepted.add(silent.accept());
                } catch (Exception e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            PgConnection hung = new PgConnection("127.0.0.1", silent.getLocalPort(), "postgres", "postgres", "x", 2);
            hung.socketTimeout(2);
            NodeStatus snapshot = published(pg.status());
            RestApiServer server = serve(snapshot, new LiveWal(hung::walNow));

            long t0 = System.nanoTime();
            JsonNode answer = get(server, "/patroni");
            long tookMs = (System.nanoTime() - t0) / 1_000_000;

            assertThat(tookMs).isLessThan(5000);
            assertThat(answer.path("xlog").path("location").asLong()).isEqualTo(snapshot.pg().location());
            assertThat(answer.path("state").asText()).isEqualTo("running");
        }
    }

    /** What the HA loop publishes after a cycle that observed {@code s} (as StatusPublisher builds it). */
    private static NodeStatus published(PgStatus s) {
        NodeStatus.PgDetails details = new NodeStatus.PgDetails(s.postmasterStartTime().toInstant(),
                s.serverVersion(), s.inRecovery(), s.walPosition(), s.receiveLsn(), s.replayLsn(), null, false,
                s.receiveLsn(), s.timeline(), s.replicationState(), List.of());
        return NodeStatus.builder("regent-test", "n1").state("running").role("primary").pg(details).build();
    }

    private RestApiServer serve(NodeStatus snapshot, LiveWal liveWal) throws Exception {
        AtomicReference<NodeStatus> status = new AtomicReference<>(snapshot);
        Supplier<NodeStatus> s = status::get;
        RestApiServer server = new RestApiServer(RestApiServer.Options.of("127.0.0.1:0"), s,
                new DaemonControl("n1", null, null, null, null, () -> { }, liveWal));
        server.start();
        servers.add(server);
        return server;
    }

    private JsonNode get(RestApiServer server, String path) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(10)).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
