package dev.regent.ctl;

import dev.regent.dcs.memory.InMemoryKvServer;
import dev.regent.dcs.memory.InMemoryKeyValueStore;
import dev.regent.time.Ticker;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory DCS holding cluster {@code batman} (leader m1, replicas m2 and m3, each with a {@link FakeMember}
 * REST endpoint), a ctl config file pointing at it, and a runner capturing output and exit code.
 */
final class CtlFixture implements AutoCloseable {
    static final String BASE = "/service/batman/";
    static final LocalDateTime NOW = LocalDateTime.of(2024, 5, 1, 12, 30, 45, 123456000);

    final InMemoryKvServer server = new InMemoryKvServer();
    final InMemoryKeyValueStore kv = server.newStore("seeder", Duration.ofSeconds(30));
    final Map<String, FakeMember> members = new LinkedHashMap<>();
    final Map<String, String> env = new HashMap<>();
    final AtomicInteger sleeps = new AtomicInteger();
    int maxSleeps = 0;
    final Path dir;
    Path configFile;

    record Result(int code, String out, String err) {}

    CtlFixture() throws Exception {
        dir = Files.createTempDirectory("regentctl-test");
        configFile = dir.resolve("ctl.yml");
        Files.writeString(configFile, "scope: batman\netcd3:\n  host: 127.0.0.1:2379\n");
        env.put("HOME", dir.toString());
        for (String n : new String[] {"m1", "m2", "m3"}) members.put(n, new FakeMember(n));
        put("initialize", "7000000000000000001");
        put("config", "{\"ttl\": 30, \"loop_wait\": 10, \"retry_timeout\": 10, \"postgresql\": {\"parameters\":"
                + " {\"max_connections\": 100}}}");
        put("leader", "m1");
        put("status", "{\"optime\": 67108864}");
        put("history", "[[1, 25165984, \"no recovery target specified\", \"2024-05-01T10:00:00+00:00\", \"m1\"]]");
        member("m1", "\"role\": \"primary\", \"state\": \"running\", \"xlog_location\": 67108864, \"timeline\": 2",
                5432);
        member("m2", "\"role\": \"replica\", \"state\": \"running\", \"replication_state\": \"streaming\","
                + " \"xlog_location\": 67108864, \"receive_lsn\": 67108864, \"replay_lsn\": 65011712,"
                + " \"timeline\": 2", 5433);
        member("m3", "\"role\": \"replica\", \"state\": \"running\", \"xlog_location\": 50331648,"
                + " \"timeline\": 2, \"tags\": {\"nofailover\": true}", 5434);
    }

    void put(String key, String value) throws Exception {
        kv.put(BASE + key, value, false);
    }

    String get(String key) throws Exception {
        return kv.getPrefix(BASE + key).stream().filter(x -> x.key().equals(BASE + key)).map(x -> x.value())
                .findFirst().orElse(null);
    }

    void member(String name, String fields, int port) throws Exception {
        put("members/" + name, "{\"conn_url\": \"postgres://127.0.0.1:" + port + "/postgres\", \"api_url\": \""
                + members.get(name).apiUrl() + "\", \"version\": \"4.1.4\", " + fields + "}");
    }

    CtlDeps deps() {
        return new CtlDeps(c -> {
            if (c.dcsType() == null) throw new CtlException("no DCS is configured");
            return server.newStore("ctl", Duration.ofSeconds(30));
        }, new Ticker() {
            // real monotonic time (waits of pause/resume run as in production), wall time stopped at NOW
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public long wallMillis() {
                return wallInstant().toEpochMilli();
            }

            @Override
            public Instant wallInstant() {
                return NOW.atZone(ZoneId.systemDefault()).toInstant();
            }
        }, d -> {
            if (sleeps.incrementAndGet() > maxSleeps) throw new InterruptedException("test ends the watch");
        });
    }

    Result run(String input, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] full = new String[args.length + 2];
        full[0] = "-c";
        full[1] = configFile.toString();
        System.arraycopy(args, 0, full, 2, args.length);
        int code = RegentCtl.run(full, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                env, deps());
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    Result runRaw(String input, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = RegentCtl.run(args, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                env, deps());
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        members.values().forEach(FakeMember::close);
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
