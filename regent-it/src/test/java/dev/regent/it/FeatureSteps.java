package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.ctl.RegentCtl;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The step vocabulary of Patroni's acceptance suite ({@code features/steps/*.py}, summarised in
 * {@code shared/reference/acceptance-scenarios.md} §3) over a {@link LocalCluster} that is laid out but started node
 * by node, as the feature files do. Node YAMLs are the cluster's own ({@code NodeConfigWriter}) plus, per node, an
 * {@code on_role_change}/{@code on_start}/... callback that appends {@code "<action> <role> <scope>"} to
 * {@code <node dir>/<name>_cb.log} (Patroni's harness writes it into PGDATA; here callbacks run as root, and a
 * root-owned file in PGDATA would break pg_rewind and pg_basebackup run as the postgres user) and a {@code tags}
 * block. Every "after N seconds" polls with that deadline. Not thread-safe.
 */
final class FeatureSteps implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger TABLES = new AtomicInteger();

    private final LocalCluster cluster;
    private final Map<Integer, Map<String, Object>> tags = new HashMap<>();
    private final Map<Integer, Map<String, String>> parameters = new HashMap<>();

    /**
     * Lay out {@code size} nodes (the store running: etcd, or ZooKeeper with {@code -Dregent.it.dcs=zookeeper}; no
     * daemon started) with callbacks configured.
     */
    FeatureSteps(int size, int ttl, int loopWait, int retryTimeout) throws IOException {
        this.cluster = LocalCluster.create(size, ttl, loopWait, retryTimeout);
        for (int i = 0; i < size; i++) {
            Path script = cluster.dir().resolve(name(i) + "_cb.sh");
            Files.writeString(script, "#!/bin/sh\necho \"$1 $2 $3\" >> " + callbackLog(i) + "\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            writeConfig(i);
        }
    }

    LocalCluster cluster() {
        return cluster;
    }

    static String name(int i) {
        return "node" + i;
    }

    Path callbackLog(int i) {
        return cluster.dir().resolve(name(i)).resolve(name(i) + "_cb.log");
    }

    Path dataDir(int i) {
        return cluster.layout().dataDir(i);
    }

    // ---- lifecycle ------------------------------------------------------------------------------------------------

    /** Rewrites node {@code i}'s YAML: the cluster's layout, callbacks, and the current tags. */
    void writeConfig(int i) throws IOException {
        String script = cluster.dir().resolve(name(i) + "_cb.sh").toString();
        String base = cluster.nodeYaml(i);
        // bootstrap.dcs parameters (protected ones such as wal_level are read only from there) follow wal_keep_size
        StringBuilder dcsParameters = new StringBuilder("        wal_keep_size: 128MB\n");
        parameters.getOrDefault(i, Map.of()).forEach((k, v) -> dcsParameters.append("        ").append(k)
                .append(": ").append(v).append('\n'));
        StringBuilder yaml = new StringBuilder(base.replace("        wal_keep_size: 128MB\n", dcsParameters));
        yaml.append("  callbacks:\n");
        for (String cb : List.of("on_start", "on_stop", "on_restart", "on_role_change")) {
            yaml.append("    ").append(cb).append(": ").append(script).append('\n');
        }
        Map<String, Object> t = tags.getOrDefault(i, Map.of());
        if (!t.isEmpty()) {
            yaml.append("tags:\n");
            t.forEach((k, v) -> yaml.append("  ").append(k).append(": ")
                    .append(v instanceof String s ? "'" + s + "'" : String.valueOf(v)).append('\n'));
        }
        Files.writeString(cluster.dir().resolve(name(i) + ".yml"), yaml.toString());
    }

    /** {@code I start {name}}: start the daemon and wait until {@code SELECT 1} works on its postgres. */
    void start(int i) throws Exception {
        cluster.node(i).start();
        awaitTrue(name(i) + " accepts SQL", Duration.ofSeconds(90), () -> {
            if (!cluster.node(i).isAlive()) throw new AssertionError(name(i) + " exited:\n" + cluster.node(i).tail(30));
            return query(i, "SELECT 1") != null;
        });
    }

    /** {@code I configure and start {name} with a tag {tag} {value}} (a string tag, as Patroni's harness writes). */
    void configureAndStart(int i, String tag, Object value) throws Exception {
        setTag(i, tag, value);
        start(i);
    }

    /** {@code I set/reset {tag} tag in {name} config} and {@code I add tag {tag} {value} to {name} config}. */
    void setTag(int i, String tag, Object value) throws IOException {
        tags.computeIfAbsent(i, k -> new LinkedHashMap<>()).put(tag, value);
        writeConfig(i);
    }

    /** A {@code bootstrap.dcs.postgresql.parameters} entry for node {@code i} (e.g. wal_level: logical). */
    void setParameter(int i, String name, String value) throws IOException {
        parameters.computeIfAbsent(i, k -> new LinkedHashMap<>()).put(name, value);
        writeConfig(i);
    }

    /** {@code I shut down {name}}: SIGTERM and wait. */
    void shutDown(int i) throws InterruptedException {
        cluster.node(i).stop();
    }

    /** {@code I kill {name}}: SIGKILL the daemon only. */
    void kill(int i) throws InterruptedException {
        cluster.node(i).kill9();
    }

    /** {@code I kill postmaster on {name}}: {@code pg_ctl stop -m immediate} (as the postgres user when root). */
    void killPostmaster(int i) throws Exception {
        runAsPostgres(List.of(pgBin("pg_ctl"), "stop", "-m", "immediate", "-w", "-D", dataDir(i).toString()));
    }

    /** {@code I ensure {name} fails to start after a failure}: an invalid line in postgresql.auto.conf. */
    void breakAutoConf(int i) throws IOException {
        Files.writeString(dataDir(i).resolve("postgresql.auto.conf"), "foo=bar\n");
    }

    /** {@code I create label with "{text}" in {name} data directory} (owned by postgres, like the rest of PGDATA). */
    void createLabel(int i, String text) throws IOException {
        Path label = dataDir(i).resolve("label");
        Files.writeString(label, text);
        chownToPostgres(label);
    }

    // ---- roles, leadership, replication ---------------------------------------------------------------------------

    /** {@code {name} is a leader after {N} seconds} (the DCS leader key). */
    void isLeader(int i, int seconds) {
        cluster.await(name(i) + " is the leader", Duration.ofSeconds(seconds), c -> c.isLeader(name(i)));
    }

    /** {@code {name} role is the primary|replica|secondary after {N} seconds} ({@code pg_is_in_recovery()}). */
    void roleIs(int i, String role, int seconds) throws Exception {
        String expected = role.equals("primary") ? "f" : "t";
        awaitTrue(name(i) + " role is the " + role, Duration.ofSeconds(seconds),
                () -> expected.equals(query(i, "SELECT pg_is_in_recovery()")));
    }

    /** {@code I add the table {t} to {name}}: CREATE TABLE, then pg_switch_wal(). */
    void addTable(int i, String table) throws SQLException {
        exec(i, "CREATE TABLE public." + table + "()");
        exec(i, "SELECT pg_switch_wal()");
    }

    /** {@code table {t} is present on {name} after {N} seconds}. */
    void tablePresent(int i, String table, int seconds) throws Exception {
        awaitTrue("table " + table + " on " + name(i), Duration.ofSeconds(seconds),
                () -> succeeds(i, "SELECT 1 FROM public." + table));
    }

    /** {@code replication works from {a} to {b} after {N} seconds}. */
    void replicationWorks(int from, int to, int seconds) throws Exception {
        String table = "replication_" + System.nanoTime() + "_" + TABLES.incrementAndGet();
        addTable(from, table);
        tablePresent(to, table, seconds);
    }

    /** {@code {a} is replicating from {b} after {N} seconds}: pg_stat_replication on b names a. */
    void isReplicatingFrom(int replica, int upstream, int seconds) throws Exception {
        awaitTrue(name(replica) + " streams from " + name(upstream), Duration.ofSeconds(seconds),
                () -> "1".equals(query(upstream,
                        "SELECT count(*) FROM pg_stat_replication WHERE application_name = '" + name(replica) + "'")));
    }

    /** {@code I create table on {name}}: {@code public.mytest}, as Patroni's harness creates it. */
    void createTable(int i) throws SQLException {
        exec(i, "CREATE TABLE public.mytest(id numeric)");
    }

    /** {@code I drop table on {name}}. */
    void dropTable(int i) throws SQLException {
        exec(i, "DROP TABLE public.mytest");
    }

    /** {@code I load data on {name}}: 350 000 rows into {@code public.mytest} in one statement. */
    void loadData(int i) throws SQLException {
        exec(i, "INSERT INTO public.mytest SELECT * FROM generate_series(1, 350000)");
    }

    /** {@code I pause wal replay on {name}}. */
    void pauseWalReplay(int i) throws SQLException {
        exec(i, "SELECT pg_wal_replay_pause()");
    }

    /** {@code I resume wal replay on {name}}. */
    void resumeWalReplay(int i) throws SQLException {
        exec(i, "SELECT pg_wal_replay_resume()");
    }

    /**
     * {@code synchronous_standby_names on {name} is set to '{v}' after {N} seconds}: {@code SHOW} compared with
     * {@code v} as Patroni's step compares them, by the number of standbys to confirm and the set of names
     * ({@code _empty_str_}: empty); here also by the form ({@code ANY} or not), and names compared without their
     * double quotes.
     */
    void syncStandbyNamesIs(int i, String value, int seconds) throws Exception {
        SsnValue expected = SsnValue.of(value.equals("_empty_str_") ? "" : value);
        String[] last = {null};
        String what = "synchronous_standby_names on " + name(i) + " is '" + value + "'";
        awaitTrue(what, Duration.ofSeconds(seconds), () -> {
            last[0] = query(i, "SHOW synchronous_standby_names");
            return last[0] != null && expected.equals(SsnValue.of(last[0]));
        }, () -> "(found '" + last[0] + "')");
    }

    /** A {@code synchronous_standby_names} value as Patroni's step reads it: (form, number, names). */
    record SsnValue(boolean any, String num, java.util.Set<String> names) {
        private static final java.util.regex.Pattern LIST =
                java.util.regex.Pattern.compile("\\s*(ANY\\s+|FIRST\\s+)?(\\d+)\\s*\\((.*)\\)\\s*",
                        java.util.regex.Pattern.CASE_INSENSITIVE);

        static SsnValue of(String v) {
            java.util.regex.Matcher m = LIST.matcher(v);
            if (!m.matches()) return new SsnValue(false, "1", names(v));
            return new SsnValue(m.group(1) != null && m.group(1).trim().equalsIgnoreCase("ANY"), m.group(2),
                    names(m.group(3)));
        }

        private static java.util.Set<String> names(String list) {
            java.util.Set<String> out = new java.util.TreeSet<>();
            for (String n : list.split(",")) {
                String t = n.strip();
                if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) t = t.substring(1, t.length() - 1);
                out.add(t);
            }
            return out;
        }
    }

    // ---- REST, DCS ------------------------------------------------------------------------------------------------

    HttpResponse<String> rest(int i, String method, String path, String body) {
        return cluster.rest(i, method, path, body);
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    /**
     * {@code I issue a {METHOD} request to {url} with {json}}: like Patroni's harness, a {@code PATCH} answered 409
     * (the configuration changed meanwhile) is sent once more.
     */
    HttpResponse<String> request(int i, String method, String path, String body) {
        HttpResponse<String> r = rest(i, method, path, body);
        if (method.equals("PATCH") && r.statusCode() == 409) r = rest(i, method, path, body);
        return r;
    }

    /** {@code I issue a PATCH request to {url} with {json}} then {@code I receive a response code 200}. */
    void patchConfig(int i, String json) {
        HttpResponse<String> r = request(i, "PATCH", "/config", json);
        assertThat(r.statusCode()).as("PATCH /config " + json + " on " + name(i) + ": " + r.body()).isEqualTo(200);
    }

    /** {@code Status code on GET {url} is {n} after {N} seconds}. */
    void statusIs(int i, String path, int code, int seconds) throws Exception {
        int[] last = {-1};
        awaitTrue("GET " + path + " on " + name(i) + " answers " + code, Duration.ofSeconds(seconds), () -> {
            last[0] = rest(i, "GET", path, null).statusCode();
            return last[0] == code;
        }, () -> "(last: " + last[0] + ")");
    }

    /** {@code Response on GET {url} contains {v} after {N} seconds} (raw body substring). */
    void responseContains(int i, String path, String text, int seconds) throws Exception {
        awaitTrue("GET " + path + " on " + name(i) + " contains " + text, Duration.ofSeconds(seconds),
                () -> rest(i, "GET", path, null).body().contains(text));
    }

    /** {@code Response on GET {url} does not contain {v} after {N} seconds}. */
    void responseDoesNotContain(int i, String path, String text, int seconds) throws Exception {
        awaitTrue("GET " + path + " on " + name(i) + " without " + text, Duration.ofSeconds(seconds),
                () -> !rest(i, "GET", path, null).body().contains(text));
    }

    /** {@code I issue a scheduled restart at {url} in {N} seconds with {json}}. */
    HttpResponse<String> scheduledRestart(int i, int inSeconds, Map<String, Object> body) throws IOException {
        Map<String, Object> b = new LinkedHashMap<>(body);
        b.put("schedule", OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(inSeconds)
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        return rest(i, "POST", "/restart", JSON.writeValueAsString(b));
    }

    /** The raw value of a DCS key under the cluster's prefix, or null. */
    String rawKey(String key) throws DcsException {
        String full = "/service/" + cluster.layout().scope() + "/" + key;
        for (KeyValue kv : cluster.dcs().store().getPrefix(full)) {
            if (kv.key().equals(full)) return kv.value();
        }
        return null;
    }

    /** The JSON of a DCS key under the cluster's prefix, or null. */
    JsonNode key(String key) throws DcsException, IOException {
        String raw = rawKey(key);
        return raw == null ? null : JSON.readTree(raw);
    }

    /** {@code there is a non empty {key} key in DCS after {N} seconds}. */
    void nonEmptyKey(String key, int seconds) throws Exception {
        awaitTrue("a non empty " + key + " key", Duration.ofSeconds(seconds), () -> {
            String v = rawKey(key);
            return v != null && !v.isEmpty();
        });
    }

    /** {@code "{key}" key in DCS has {field}={value} after {N} seconds} (JSON equality of the field). */
    void keyHas(String key, String field, Object value, int seconds) throws Exception {
        JsonNode expected = JSON.valueToTree(value);
        JsonNode[] last = {null};
        awaitTrue("\"" + key + "\" key has " + field + "=" + expected, Duration.ofSeconds(seconds), () -> {
            JsonNode k = key(key);
            last[0] = k;
            return k != null && expected.equals(k.get(field));
        }, () -> "(last: " + last[0] + ")");
    }

    /**
     * {@code sync key in DCS has {field}={value} after {N} seconds}, as Patroni's step compares: {@code sync_standby}
     * as a set of comma-separated names, else (and for {@code sync_standby=None}) by Python's {@code str()} of the JSON
     * value ({@code None}, {@code 0}, {@code node0}).
     */
    void syncKeyHas(String field, String value, int seconds) throws Exception {
        JsonNode[] last = {null};
        awaitTrue("sync key has " + field + "=" + value, Duration.ofSeconds(seconds), () -> {
            JsonNode k = key("sync");
            last[0] = k;
            if (k == null) return false;
            JsonNode v = k.get(field);
            if (field.equals("sync_standby")) {
                String names = v == null || v.isNull() ? "" : v.asText();
                if (java.util.Set.of(names.split(",", -1)).equals(java.util.Set.of(value.split(",", -1)))) return true;
            }
            return pythonStr(v).equals(value);
        }, () -> "(last: " + last[0] + ")");
    }

    /** Python's {@code str()} of a parsed JSON value: None, True/False, numbers and strings as they are. */
    static String pythonStr(JsonNode v) {
        if (v == null || v.isNull()) return "None";
        if (v.isBoolean()) return v.booleanValue() ? "True" : "False";
        return v.isTextual() ? v.textValue() : v.toString();
    }

    // ---- CLI ------------------------------------------------------------------------------------------------------

    record Result(int code, String out, String err) {
        /** stdout and stderr together, as Patroni's harness reads a command's output. */
        String output() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    /** {@code I run patronictl.py ...}: regentctl in-process with node0's YAML as its configuration. */
    Result ctl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] full = new String[args.length + 2];
        full[0] = "-c";
        full[1] = cluster.dir().resolve("node0.yml").toString();
        System.arraycopy(args, 0, full, 2, args.length);
        Map<String, String> env = new HashMap<>();
        env.put("HOME", cluster.dir().toString());
        int code = RegentCtl.run(full, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                env);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Python's {@code str()} of a tz-aware datetime {@code seconds} from now, as Patroni's harness passes it. */
    static String pythonDateTimeIn(int seconds) {
        return OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(seconds)
                .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSxxx"));
    }

    // ---- files and logs -------------------------------------------------------------------------------------------

    /**
     * {@code there is one of {texts} {LEVEL} in the {node} patroni log after {N} seconds}: a line whose text from
     * character 24 on (after Patroni's {@code "%Y-%m-%d %H:%M:%S,mmm "} timestamp) starts with LEVEL and contains one
     * of the texts.
     */
    static void logHas(Path log, String level, List<String> texts, int seconds) throws Exception {
        poll(level + " " + texts + " in " + log, Duration.ofSeconds(seconds), () -> logLines(log).stream()
                .anyMatch(l -> l.length() > 24 && l.substring(24).startsWith(level)
                        && texts.stream().anyMatch(l::contains)), () -> "\n" + logLines(log).stream()
                .filter(l -> texts.stream().anyMatch(t -> l.contains(t.substring(0, Math.min(20, t.length())))))
                .collect(Collectors.joining("\n")));
    }

    void logHas(int i, String level, List<String> texts, int seconds) throws Exception {
        logHas(cluster.node(i).log(), level, texts, seconds);
    }

    /** As {@link #logHas(int, String, List, int)}, recording a failure in {@code soft}: later steps do not need it. */
    void logHas(org.assertj.core.api.SoftAssertions soft, int i, String level, List<String> texts, int seconds)
            throws Exception {
        try {
            logHas(cluster.node(i).log(), level, texts, seconds);
        } catch (AssertionError e) {
            soft.fail(e.getMessage());
        }
    }

    static List<String> logLines(Path log) {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** {@code there is a <name>_cb.log with "{text}"} (see the class comment for its location). */
    void callbackLogHas(int i, String text, int seconds) throws Exception {
        awaitTrue(callbackLog(i) + " has " + text, Duration.ofSeconds(seconds),
                () -> Files.exists(callbackLog(i)) && Files.readString(callbackLog(i)).contains(text),
                () -> "(" + (Files.exists(callbackLog(i)) ? readQuietly(callbackLog(i)) : "no file") + ")");
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    // ---- SQL ------------------------------------------------------------------------------------------------------

    /**
     * The steps' SQL session on node {@code i}. Patroni's harness runs {@code SET synchronous_commit TO 'local'} on its
     * session once a node accepts queries, so its steps never wait for a synchronous standby (a split-brain write to
     * a former primary whose standby left, a load while the sync standby's replay is paused); so do these.
     */
    String sqlUrl(int i) {
        return cluster.jdbcUrl(i) + "?connectTimeout=3&options=-c%20synchronous_commit%3Dlocal";
    }

    void exec(int i, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(sqlUrl(i),
                LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** True when {@code sql} runs without error on node {@code i}. */
    boolean succeeds(int i, String sql) {
        try {
            exec(i, sql);
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    String query(int i, String sql) {
        try (Connection c = DriverManager.getConnection(sqlUrl(i),
                LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            return null;
        }
    }

    // ---- slots (Patroni's steps) -----------------------------------------------------------------------------------

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** {@code I create a logical replication slot {s} on {name} with the {plugin} plugin}. */
    void createLogicalSlot(int i, String slot, String plugin) throws SQLException {
        exec(i, "SELECT pg_catalog.pg_create_logical_replication_slot(" + literal(slot) + ", " + literal(plugin) + ")");
    }

    /** {@code {name} has a logical replication slot named {s} with the {plugin} plugin after {N} seconds}. */
    void hasLogicalSlot(int i, String slot, String plugin, int seconds) throws Exception {
        awaitTrue(name(i) + " has logical slot " + slot + " (" + plugin + ")", Duration.ofSeconds(seconds),
                () -> "1".equals(query(i, "SELECT count(*) FROM pg_catalog.pg_replication_slots WHERE slot_name = "
                        + literal(slot) + " AND slot_type = 'logical' AND plugin = " + literal(plugin))));
    }

    /** {@code {name} has a physical replication slot named {s} after {N} seconds}. */
    void hasPhysicalSlot(int i, String slot, int seconds) throws Exception {
        awaitTrue(name(i) + " has physical slot " + slot, Duration.ofSeconds(seconds),
                () -> "1".equals(query(i, "SELECT count(*) FROM pg_catalog.pg_replication_slots WHERE slot_name = "
                        + literal(slot) + " AND slot_type = 'physical'")));
    }

    /** {@code {name} does not have a replication slot named {s}} (no polling, as Patroni's step). */
    void hasNoSlot(int i, String slot) {
        assertThat(query(i, "SELECT count(*) FROM pg_catalog.pg_replication_slots WHERE slot_name = "
                + literal(slot))).as("%s has no slot %s", name(i), slot).isEqualTo("0");
    }

    /**
     * {@code {logical|physical} slot {s} is in sync between {a} and {b} after {N} seconds}: equal
     * {@code confirmed_flush_lsn} (logical) or {@code restart_lsn} (physical).
     */
    void slotInSync(String type, String slot, int a, int b, int seconds) throws Exception {
        String column = "logical".equals(type) ? "confirmed_flush_lsn" : "restart_lsn";
        String sql = "SELECT " + column + " FROM pg_catalog.pg_replication_slots WHERE slot_name = " + literal(slot)
                + " AND slot_type = " + literal(type);
        awaitTrue(type + " slot " + slot + " in sync between " + name(a) + " and " + name(b),
                Duration.ofSeconds(seconds), () -> {
                    String x = query(a, sql);
                    return x != null && x.equals(query(b, sql));
                }, () -> name(a) + ": " + query(a, sql) + ", " + name(b) + ": " + query(b, sql));
    }

    /** {@code I get all changes from logical slot {s} on {name}}. */
    void getAllChangesFromLogicalSlot(int i, String slot) throws SQLException {
        exec(i, "SELECT count(*) FROM pg_catalog.pg_logical_slot_get_changes(" + literal(slot) + ", NULL, NULL)");
    }

    /** {@code I get all changes from physical slot {s} on {name}}. */
    void getAllChangesFromPhysicalSlot(int i, String slot) throws SQLException {
        exec(i, "SELECT pg_catalog.pg_replication_slot_advance(" + literal(slot)
                + ", pg_catalog.pg_current_wal_lsn())");
    }

    /** {@code physical replication slot named {s} on {name} has no xmin value after {N} seconds}. */
    void physicalSlotHasNoXmin(int i, String slot, int seconds) throws Exception {
        awaitTrue("physical slot " + slot + " on " + name(i) + " without xmin", Duration.ofSeconds(seconds),
                () -> "1".equals(query(i, "SELECT count(*) FROM pg_catalog.pg_replication_slots WHERE slot_name = "
                        + literal(slot) + " AND slot_type = 'physical' AND xmin IS NULL")));
    }

    /**
     * {@code "status" key in DCS has {x} in {field}} / {@code does not have {x} in {field}} ({@code slots}: an
     * object, {@code retain_slots}: a list), as of now (no polling, as Patroni's step).
     */
    boolean statusHas(String field, String x) throws Exception {
        JsonNode status = key("status");
        JsonNode v = status == null ? null : status.get(field);
        if (v == null || v.isNull()) return false;
        if (v.isObject()) return v.has(x);
        for (JsonNode e : v) if (x.equals(e.asText())) return true;
        return false;
    }

    // ---- plumbing -------------------------------------------------------------------------------------------------

    static String pgBin(String tool) throws Exception {
        Process p = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
        String dir = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return Path.of(dir, tool).toString();
    }

    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    static void runAsPostgres(List<String> command) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (root()) cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    static void chownToPostgres(Path p) throws IOException {
        if (!root()) return;
        UserPrincipal pg = p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(p, pg);
    }

    interface Check {
        boolean ok() throws Exception;
    }

    void awaitTrue(String what, Duration timeout, Check check) throws Exception {
        awaitTrue(what, timeout, check, () -> "");
    }

    void awaitTrue(String what, Duration timeout, Check check, java.util.function.Supplier<String> detail)
            throws Exception {
        try {
            poll(what, timeout, check, detail);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + cluster.logs(), e);
        }
    }

    /** Polls {@code check} every 200 ms until it holds; fails after {@code timeout} with {@code detail}. */
    static void poll(String what, Duration timeout, Check check,
                                        java.util.function.Supplier<String> detail) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (check.ok()) return;
            if (System.nanoTime() > deadline) break;
            Thread.sleep(200);
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + " "
                + detail.get());
    }

    /** Stops everything; first keeps every node's log in {@code target/it-logs/<cluster dir>/} for post-mortems. */
    @Override
    public void close() {
        keepLogs(cluster.dir());
        cluster.close();
    }

    /** Copies every {@code *.log} under {@code dir} to {@code target/it-logs/<dir name>/} (best effort). */
    static void keepLogs(Path dir) {
        Path target = Path.of("target", "it-logs", dir.getFileName().toString());
        try (var files = Files.walk(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".log") && Files.isRegularFile(f)).toList()) {
                Path to = target.resolve(dir.relativize(f).toString().replace('/', '_'));
                Files.createDirectories(target);
                Files.copy(f, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            System.out.println("node logs kept in " + target.toAbsolutePath());
        } catch (IOException | RuntimeException e) {
            System.out.println("could not keep the node logs of " + dir + ": " + e);
        }
    }
}
