package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end: one real etcd, three Regent daemons as processes, three real PostgreSQL 15 servers. The scenarios share
 * one cluster and run in order (each leaves the cluster healthy for the next), which keeps the suite short on 2 cores.
 * From the switchover on, a real HAProxy on the configuration {@code regentctl haproxy-config} prints routes a second
 * writer, which knows nothing of the members, across the switchover and the failover.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterEndToEndTest {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static LocalCluster cluster;
    /** Started by the first scenario that needs it ({@link #haproxy()}). */
    private static ClusterHaproxy haproxy;
    /** Who handed over to whom in the switchover, and who lost and won the lock in the failover (for the story). */
    private static String switchedFrom;
    private static String switchedTo;
    private static String killedLeader;
    private static String failoverWinner;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.start(3, 20, 2, 4);
    }

    @AfterAll
    static void stopCluster() {
        if (haproxy != null) haproxy.close();
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void bootstrapsOnePrimaryAndTwoStreamingReplicas() throws Exception {
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        String leader = c.leader().name();
        assertThat(c.members()).hasSize(3);
        assertThat(c.initialize()).matches("\\d+");
        int li = cluster.index(leader);
        assertThat(cluster.rest(li, "GET", "/primary", null).statusCode()).isEqualTo(200);
        for (int i = 0; i < 3; i++) {
            if (i == li) continue;
            assertThat(cluster.rest(i, "GET", "/primary", null).statusCode()).as("node%d /primary", i).isEqualTo(503);
            assertThat(cluster.rest(i, "GET", "/replica", null).statusCode()).as("node%d /replica", i).isEqualTo(200);
        }
        exec(cluster.jdbcUrl(li), "CREATE TABLE bootstrap_check (v int); INSERT INTO bootstrap_check VALUES (42)");
        for (int i = 0; i < 3; i++) {
            int node = i;
            awaitTrue("row replicated to node" + i, Duration.ofSeconds(30),
                    () -> "42".equals(queryOrNull(cluster.jdbcUrl(node), "SELECT v FROM bootstrap_check")));
        }
    }

    @Test
    @Order(2)
    void badRestBodiesGetClearErrors() {
        HttpResponse<String> r = cluster.rest(0, "POST", "/switchover", "{not json");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body().toLowerCase()).contains("json");
        HttpResponse<String> r2 = cluster.rest(0, "POST", "/failover", "{\"candidate\": null}");
        assertThat(r2.statusCode()).isEqualTo(400);
        assertThat(r2.body()).contains("Failover could be performed only to a specific candidate");
        HttpResponse<String> r3 = cluster.rest(0, "PATCH", "/config", "[1,2]");
        assertThat(r3.statusCode()).isEqualTo(400);
    }

    @Test
    @Order(3)
    void patchConfigReachesEveryNode() throws Exception {
        HttpResponse<String> r = cluster.rest(0, "PATCH", "/config",
                "{\"ttl\": 25, \"postgresql\": {\"parameters\": {\"work_mem\": \"12MB\"}}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(cluster.cluster().config().intValue("ttl", 0)).isEqualTo(25);
        for (int i = 0; i < 3; i++) {
            int node = i;
            awaitTrue("work_mem=12MB on node" + i, Duration.ofSeconds(30),
                    () -> "12MB".equals(queryOrNull(cluster.jdbcUrl(node), "SHOW work_mem")));
        }
    }

    @Test
    @Order(4)
    void switchoverLosesNoAcknowledgedWrite() throws Exception {
        ClusterView before = cluster.awaitHealthy(HEALTHY);
        String oldLeader = before.leader().name();
        String candidate = before.members().stream().map(m -> m.name()).filter(n -> !n.equals(oldLeader))
                .findFirst().orElseThrow();
        haproxy().awaitPrimary(oldLeader, HEALTHY);
        try (Writer w = new Writer(cluster::primaryJdbcUrl, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD,
                20).start();
             Writer hw = new Writer(haproxy::primaryJdbcUrl, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD,
                     20, "haproxy_switchover_writes").start()) {
            // Writes acknowledged before the switchover, however slow the writers' first connections are.
            awaitTrue("a first acknowledged write", Duration.ofSeconds(30),
                    () -> !w.acks().isEmpty() && !hw.acks().isEmpty());
            HttpResponse<String> r = cluster.rest(cluster.index(oldLeader), "POST", "/switchover",
                    "{\"leader\": \"" + oldLeader + "\", \"candidate\": \"" + candidate + "\"}");
            assertThat(r.statusCode()).as(r.body() + "\n" + cluster.logs()).isEqualTo(200);
            assertThat(r.body()).contains(candidate);
            int newPort = haproxy.pgPort(candidate);
            awaitTrue("a write through HAProxy acknowledged by the new primary", HEALTHY,
                    () -> hw.acks().stream().anyMatch(a -> a.serverPort() == newPort),
                    () -> haproxy.process().logTail(30));
            Thread.sleep(2000);
            w.close();
            hw.close();
            assertThat(w.acks()).isNotEmpty();
            assertThat(hw.acks()).as("writes through HAProxy: the old primary's, then the new one's")
                    .anyMatch(a -> a.serverPort() == haproxy.pgPort(oldLeader));
            assertAllAcknowledgedWritesPresent(w.acks(), "regent_writes", cluster.index(candidate));
            assertAllAcknowledgedWritesPresent(hw.acks(), hw.table(), cluster.index(candidate));
        }
        // The new leader writes /history after promote (as Patroni does): the cluster may look healthy before that.
        ClusterView after = cluster.await("healthy with the history entry of " + candidate, HEALTHY,
                c -> dev.regent.daemon.demo.Demo.healthy(c, 3) && !c.history().entries().isEmpty()
                        && candidate.equals(c.history().entries().get(c.history().entries().size() - 1).newLeader()));
        assertThat(after.leader().name()).isEqualTo(candidate);
        switchedFrom = oldLeader;
        switchedTo = candidate;
    }

    @Test
    @Order(5)
    void crashedPostgresIsRestartedInPlace() throws Exception {
        String leader = cluster.awaitHealthy(HEALTHY).leader().name();
        int li = cluster.index(leader);
        long oldPid = cluster.postmasterPid(li);
        cluster.killPostmaster(li);
        awaitTrue("postgres on " + leader + " accepts writes again", Duration.ofSeconds(60), () -> {
            try {
                exec(cluster.primaryJdbcUrl(), "CREATE TABLE IF NOT EXISTS crash_check (v int);"
                        + " INSERT INTO crash_check VALUES (1)");
                return true;
            } catch (SQLException e) {
                return false;
            }
        });
        assertThat(cluster.postmasterPid(li)).isNotEqualTo(oldPid);
        cluster.awaitHealthy(HEALTHY);
    }

    @Test
    @Order(6)
    void failoverAfterKillOfLeaderAndRejoinWithRewind() throws Exception {
        ClusterView before = cluster.awaitHealthy(HEALTHY);
        String oldLeader = before.leader().name();
        int oi = cluster.index(oldLeader);
        // the host loss runs under Regent's fast failover profile (issue 17): ttl 6, loop_wait 1, retry_timeout 2;
        // Patroni's timings come back once the new primary writes, before the old leader rejoins
        HttpResponse<String> fast = cluster.rest(oi, "PATCH", "/config", "{\"ttl\": 6, \"loop_wait\": 1,"
                + " \"retry_timeout\": 2, \"regent\": {\"fast_failover\": true}}");
        assertThat(fast.statusCode()).as(fast.body()).isEqualTo(200);
        for (int i = 0; i < 3; i++) {
            int node = i;
            awaitTrue("the fast failover profile in force on node" + i, Duration.ofSeconds(30), () ->
                    java.nio.file.Files.readString(cluster.node(node).log()).contains(
                            "fast failover profile in force: ttl=6 loop_wait=1 retry_timeout=2"));
        }
        exec(cluster.jdbcUrl(oi), "CREATE TABLE IF NOT EXISTS failover_check (v int); INSERT INTO failover_check"
                + " VALUES (7)");
        for (int i = 0; i < 3; i++) {
            int node = i;
            awaitTrue("row 7 replicated to node" + i, Duration.ofSeconds(30),
                    () -> "1".equals(queryOrNull(cluster.jdbcUrl(node), "SELECT count(*) FROM failover_check")));
        }
        haproxy().awaitPrimary(oldLeader, HEALTHY);
        Writer hw = new Writer(haproxy::primaryJdbcUrl, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD, 20,
                "haproxy_failover_writes").start();
        long postmasterKilled;
        String newLeader;
        try {
            awaitTrue("a write through HAProxy", Duration.ofSeconds(30), () -> !hw.acks().isEmpty());
            cluster.node(oi).kill9();
            postmasterKilled = System.nanoTime();
            cluster.killPostmaster(oi);
            newLeader = cluster.await("a new leader", Duration.ofSeconds(90),
                    c -> c.leader() != null && !c.leader().name().equals(oldLeader)).leader().name();
            int newPort = haproxy.pgPort(newLeader);
            awaitTrue("a write through HAProxy acknowledged by the new primary", HEALTHY,
                    () -> hw.acks().stream().anyMatch(a -> a.serverPort() == newPort),
                    () -> haproxy.process().logTail(30));
        } finally {
            hw.close();
        }
        String[] lastError = {null};
        awaitTrue("writes on the new primary", Duration.ofSeconds(30), () -> {
            try {
                exec(cluster.jdbcUrl(cluster.index(newLeader)), "INSERT INTO failover_check VALUES (8)");
                return true;
            } catch (SQLException e) {
                lastError[0] = e.getMessage();
                return false;
            }
        }, () -> lastError[0]);
        HttpResponse<String> back = cluster.rest(cluster.index(newLeader), "PATCH", "/config",
                "{\"ttl\": 25, \"loop_wait\": 2, \"retry_timeout\": 4, \"regent\": null}");
        assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
        cluster.node(oi).start();
        ClusterView after = cluster.awaitHealthy(HEALTHY);
        assertThat(after.leader().name()).isEqualTo(newLeader);
        awaitTrue("old leader replays the new timeline", Duration.ofSeconds(30),
                () -> "2".equals(queryOrNull(cluster.jdbcUrl(oi), "SELECT count(*) FROM failover_check")));
        // Every write the old primary acknowledged before its postmaster was killed reached the new primary (the
        // walsenders, woken at commit, send before they see their postmaster die), and so did every write of the new
        // one. Not asserted: an INSERT acknowledged after the kill by a backend orphaned by its postmaster (it runs
        // until it next waits), which its walsender may no longer send: a window of milliseconds that a real host
        // loss does not have, and that asynchronous replication could not cover anyway.
        int oldPort = haproxy.pgPort(oldLeader);
        List<Writer.Ack> covered = hw.acks().stream()
                .filter(a -> a.serverPort() != oldPort || a.atNanos() < postmasterKilled).toList();
        assertThat(covered).anyMatch(a -> a.serverPort() == oldPort)
                .anyMatch(a -> a.serverPort() == haproxy.pgPort(newLeader));
        assertAllAcknowledgedWritesPresent(covered, hw.table(), cluster.index(newLeader));
        haproxy.awaitPrimary(newLeader, HEALTHY);
        killedLeader = oldLeader;
        failoverWinner = newLeader;
    }

    /**
     * The decision ledger tells the switchover and the failover: {@code regentctl why} merges the members' ledgers in
     * time order, with the reasons; the killed leader's ledger survived its restart (read back from its file, named
     * after it next to its data directory), and the metric counts the winner's race.
     */
    @Test
    @Order(7)
    void whyTellsTheSwitchoverAndTheFailover() throws Exception {
        assertThat(switchedTo).as("the switchover ran").isNotNull();
        assertThat(failoverWinner).as("the failover ran").isNotNull();
        String story = why();
        System.out.println("regentctl why:\n" + story);  // the README's example comes from here
        List<String> lines = story.lines().toList();
        int steppedDown = indexOf(lines, switchedFrom + " stepped down for a switchover to " + switchedTo + " ");
        int switchWon = indexOf(lines, switchedTo + " won the leader race and promoted itself: ",
                "a switchover from " + switchedFrom + " to " + switchedTo + " was requested");
        int failoverWon = indexOf(lines, failoverWinner + " won the leader race and promoted itself: "
                + killedLeader + "'s leader lock was gone (last seen held at ", ", ttl 6 s)");  // the fast profile
        assertThat(steppedDown).as(story).isNotNegative().isLessThan(switchWon);
        assertThat(switchWon).as(story).isLessThan(failoverWon);
        assertThat(lines).as("every line starts with its time").allMatch(l -> l.matches(
                "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\S+ .*"));
        // the killed leader's own story: from before the kill (its file, loaded at restart) and its way back
        List<String> own = why(killedLeader).lines().toList();
        int ownWin = indexOf(own, killedLeader + " won the leader race");
        assertThat(ownWin).as("%s's ledger from before the kill\n%s", killedLeader, own).isNotNegative();
        assertThat(own.subList(ownWin + 1, own.size())).as("%s rejoins under %s", killedLeader, failoverWinner)
                .anyMatch(l -> l.contains(" " + failoverWinner));
        try (var files = java.nio.file.Files.walk(cluster.dir())) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .contains(killedLeader + ".decisions.jsonl", failoverWinner + ".decisions.jsonl");
        }
        String metrics = cluster.rest(cluster.index(failoverWinner), "GET", "/metrics", null).body();
        assertThat(metrics).contains("# TYPE regent_decisions_total counter\n",
                "regent_decisions_total{scope=\"it\",name=\"" + failoverWinner + "\",kind=\"leader_race_won\"} 1\n");
        HttpResponse<String> json = cluster.rest(cluster.index(failoverWinner), "GET", "/decisions?since=1", null);
        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(json.body()).startsWith("[{\"time\":").contains("\"kind\":\"leader_race_won\"");
    }

    /** {@code regentctl why [member]} with node0's configuration, in-process; its standard output. */
    private static String why(String... member) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        List<String> args = new java.util.ArrayList<>(List.of("-c", cluster.dir().resolve("node0.yml").toString(),
                "why", "-n", "0"));
        args.addAll(List.of(member));
        int code = dev.regent.ctl.RegentCtl.run(args.toArray(String[]::new), new java.io.ByteArrayInputStream(
                new byte[0]), new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8),
                java.util.Map.of("HOME", cluster.dir().toString()));
        String o = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(code).as("why: " + o + err.toString(java.nio.charset.StandardCharsets.UTF_8)).isZero();
        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8)).as("every member answered").isEmpty();
        return o;
    }

    /** The first line that contains all {@code parts}, or -1. */
    private static int indexOf(List<String> lines, String... parts) {
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (java.util.Arrays.stream(parts).allMatch(l::contains)) return i;
        }
        return -1;
    }

    /**
     * After bootstrap, REST errors, a switchover, a crash and a failover with rewind: no configured password appears in
     * any log of the run, the daemons' and PostgreSQL's alike (issue 16).
     */
    @Test
    @Order(8)
    void noConfiguredPasswordAppearsInAnyLog() throws Exception {
        List<String> secrets = List.of(LocalCluster.SUPERUSER_PASSWORD, "regent-replicator", "regent-rewind");
        String config = java.nio.file.Files.readString(cluster.dir().resolve(cluster.node(0).name() + ".yml"));
        assertThat(secrets).as("the passwords the nodes are configured with").allMatch(config::contains);
        List<java.nio.file.Path> logs;
        try (var files = java.nio.file.Files.walk(cluster.dir())) {
            logs = files.filter(java.nio.file.Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().endsWith(".log")
                            || f.getParent().getFileName().toString().equals("log"))
                    .toList();
        }
        assertThat(logs).as("the run's logs").anyMatch(f -> f.getFileName().toString().equals("regent.log"));
        for (java.nio.file.Path f : logs) {
            String text = new String(java.nio.file.Files.readAllBytes(f), java.nio.charset.StandardCharsets.UTF_8);
            for (String secret : secrets) {
                assertThat(text).as("%s must not contain a configured password", f).doesNotContain(secret);
            }
        }
    }

    /** HAProxy in front of the cluster, started on first use (the cluster's members are in the DCS by then). */
    private static ClusterHaproxy haproxy() {
        if (haproxy == null) {
            cluster.awaitHealthy(HEALTHY);
            haproxy = ClusterHaproxy.start(cluster);
        }
        return haproxy;
    }

    private static void assertAllAcknowledgedWritesPresent(List<Writer.Ack> acks, String table, int node)
            throws Exception {
        Set<Long> present = new HashSet<>();
        try (Connection c = DriverManager.getConnection(cluster.jdbcUrl(node), LocalCluster.SUPERUSER,
                LocalCluster.SUPERUSER_PASSWORD); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM " + table)) {
            while (rs.next()) present.add(rs.getLong(1));
        }
        List<Long> missing = acks.stream().map(Writer.Ack::id).filter(id -> !present.contains(id)).toList();
        assertThat(missing).as("acknowledged ids of %s missing on the new primary", table).isEmpty();
    }

    static void exec(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD);
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static String queryOrNull(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD);
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            return null;
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void awaitTrue(String what, Duration timeout, Check check) throws Exception {
        awaitTrue(what, timeout, check, () -> "");
    }

    static void awaitTrue(String what, Duration timeout, Check check, java.util.function.Supplier<String> detail)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) return;
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + " " + detail.get() + "\n"
                + (cluster == null ? "" : cluster.logs()));
    }
}
