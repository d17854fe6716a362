package dev.regent.daemon.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.config.NodeConfig;
import dev.regent.daemon.config.ConfigLoader;
import dev.regent.dcs.memory.InMemoryKvServer;
import dev.regent.postgres.CommandRunner;
import dev.regent.postgres.Postgresql;
import dev.regent.postgres.Role;
import dev.regent.postgres.StopMode;
import dev.regent.testkit.Await;
import dev.regent.testkit.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Real PostgreSQL 15 servers of cluster "batman" for component tests of the wiring (a node's real loop and adapter
 * over an in-memory DCS): a base directory, node configurations, a primary with its users, streaming replicas; closes
 * what was registered, stops every server and deletes the directory.
 */
final class ComponentPostgres implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    final InMemoryKvServer server = new InMemoryKvServer();
    private final List<Postgresql> started = new ArrayList<>();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final Path base;

    ComponentPostgres() throws Exception {
        base = Files.createTempDirectory("regent-component-pg");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));  // postgres user when root
        new CommandRunner().ensureOwnedDirectory(base.resolve("sockets"));
    }

    /** Closed (in registration order) before the servers stop. */
    <T extends AutoCloseable> T closing(T c) {
        closing.add(c);
        return c;
    }

    /** A node's configuration (ports from FreePorts, fsync off, scram for TCP). */
    NodeConfig config(String name) throws Exception {
        int port = FreePorts.one();
        Path file = base.resolve(name + ".yml");
        Files.writeString(file, String.join("\n",
                "scope: batman",
                "name: " + name,
                "restapi:",
                "  listen: 127.0.0.1:" + FreePorts.one(),
                "  connect_address: 127.0.0.1:8008",
                "etcd3:",
                "  hosts: 127.0.0.1:2379",
                "postgresql:",
                "  listen: 127.0.0.1:" + port,
                "  connect_address: 127.0.0.1:" + port,
                "  data_dir: " + base.resolve(name),
                "  pgpass: " + base.resolve(name + ".pgpass"),
                "  authentication:",
                "    superuser: {username: postgres, password: su-secret}",
                "    replication: {username: replicator, password: rep-secret}",
                "  parameters:",
                "    unix_socket_directories: " + base.resolve("sockets"),
                "    fsync: 'off'",
                "    shared_buffers: 16MB",
                "    max_wal_size: 64MB",
                "  pg_hba:",
                "    - local all all trust",
                "    - host all all 127.0.0.1/32 scram-sha-256",
                "    - host replication all 127.0.0.1/32 scram-sha-256",
                ""));
        ConfigLoader.Loaded l = ConfigLoader.load(file, Map.of());
        assertThat(l.errors()).as("test configuration").isEmpty();
        return l.config();
    }

    /** A freshly initialised server of {@code config}, running as a primary with its users. */
    Postgresql startPrimary(NodeConfig config) throws Exception {
        Postgresql primary = new Postgresql(config.postgresql(), "batman", config.name());
        started.add(primary);
        primary.initdb(List.of("--encoding=UTF8", "--locale=C"), "su-secret");
        primary.writeConfig(Role.PRIMARY, null, null);
        assertThat(primary.start(TIMEOUT)).isTrue();
        primary.createUsers();
        return primary;
    }

    /** A server of {@code config} cloned from {@code primary}, not started. */
    Postgresql cloneOf(Postgresql primary, NodeConfig config) throws Exception {
        Postgresql replica = new Postgresql(config.postgresql(), "batman", config.name());
        started.add(replica);
        replica.basebackup(primary.connUrl(), TIMEOUT);
        return replica;
    }

    static void waitFor(String what, BooleanSupplier cond) {
        Await.until(what, TIMEOUT, cond);
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : closing) c.close();
        for (Postgresql pg : started) {
            if (!pg.stop(StopMode.IMMEDIATE, Duration.ofSeconds(10))) {
                pg.postmasterPid().flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        try (Stream<Path> s = Files.walk(base)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
