package dev.regent.postgres;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.regent.core.config.NodeConfig.Callbacks;
import dev.regent.core.config.NodeConfig.PgExtras;
import dev.regent.core.config.NodeConfig.PgUser;
import dev.regent.core.config.NodeConfig.PostgresqlConfig;

/**
 * Test helper: a temporary base directory (traversable by the postgres OS user) holding PostgreSQL nodes on free
 * loopback ports. {@link #close()} kills every node started and deletes the directory.
 */
final class PgTestNodes implements AutoCloseable {
    static final PgUser SUPERUSER = new PgUser("postgres", "su-secret", Map.of());
    /** Password with a quote, colon, backslash and space to exercise pgpass and SQL escaping. */
    static final PgUser REPLICATION = new PgUser("replicator", "rep 'pa:ss\\", Map.of());
    static final PgUser REWIND = new PgUser("rewinder", "rw-secret", Map.of());
    static final List<String> HBA = List.of("local all all trust",
            "host all all 127.0.0.1/32 scram-sha-256", "host replication all 127.0.0.1/32 scram-sha-256");

    private final Path base;
    private final List<Postgresql> nodes = new ArrayList<>();

    PgTestNodes() throws IOException {
        base = Files.createTempDirectory("regent-pg-test");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        new CommandRunner().ensureOwnedDirectory(base.resolve("sockets"));
    }

    Path base() {
        return base;
    }

    /** A new node {@code name} with its own data dir, pgpass and free port. */
    Postgresql node(String name) throws IOException {
        return node(name, Map.of(), Map.of());
    }

    /** A new node with {@code extraParameters} added to its local parameters and {@code recoveryConf}. */
    Postgresql node(String name, Map<String, Object> extraParameters, Map<String, Object> recoveryConf)
            throws IOException {
        return node(name, extraParameters, recoveryConf, false);
    }

    /** Like {@link #node(String, Map, Map)}, with {@code use_unix_socket} set as given. */
    Postgresql node(String name, Map<String, Object> extraParameters, Map<String, Object> recoveryConf,
                    boolean useUnixSocket) throws IOException {
        return node(name, extraParameters, recoveryConf, useUnixSocket, HBA, SUPERUSER, REPLICATION, REWIND,
                PgExtras.NONE);
    }

    /** A node with its own pg_hba lines, users and {@code postgresql} extras. */
    Postgresql node(String name, Map<String, Object> extraParameters, List<String> hba, PgUser superuser,
                    PgUser replication, PgUser rewind, PgExtras extras) throws IOException {
        return node(name, extraParameters, Map.of(), false, hba, superuser, replication, rewind, extras);
    }

    private Postgresql node(String name, Map<String, Object> extraParameters, Map<String, Object> recoveryConf,
                            boolean useUnixSocket, List<String> hba, PgUser superuser, PgUser replication,
                            PgUser rewind, PgExtras extras) throws IOException {
        int port = freePort();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("unix_socket_directories", base.resolve("sockets").toString());
        params.put("fsync", false);
        params.put("shared_buffers", "16MB");
        params.put("max_wal_size", "64MB");
        params.putAll(extraParameters);
        PostgresqlConfig cfg = new PostgresqlConfig("127.0.0.1:" + port, "127.0.0.1:" + port,
                base.resolve(name).toString(), null, null, base.resolve(name + ".pgpass").toString(), null,
                superuser, replication, rewind, params, hba, null, List.of(), List.of("basebackup"), true, false,
                false, 60, Callbacks.NONE, null, null, recoveryConf, Map.of(), useUnixSocket, false);
        Postgresql pg = new Postgresql(cfg.withExtras(extras), "regent-test", name);
        nodes.add(pg);
        return pg;
    }

    static Duration timeout() {
        return Duration.ofSeconds(60);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException {
        for (Postgresql pg : nodes) {
            try {
                if (!pg.stop(StopMode.IMMEDIATE, Duration.ofSeconds(10))) {
                    pg.postmasterPid().flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
                }
            } catch (RuntimeException e) {
                // best effort: keep cleaning up the others
            }
        }
        try (Stream<Path> s = Files.walk(base)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
