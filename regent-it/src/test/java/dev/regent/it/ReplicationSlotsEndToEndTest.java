package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterStatus;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Replication slots end to end (issue 14), one cluster of three (node2 tagged {@code replicatefrom: node1}), real
 * etcd and PostgreSQL 15, scenarios in order: member slots on every node and cascading through a slot on the
 * upstream replica (the primary advancing its idle slot of the cascading member), permanent physical and logical
 * slots created on the primary, a permanent physical slot kept and advanced on the replicas from
 * {@code /status.slots}, {@code ignore_slots} keeping a foreign slot while an unknown one is dropped,
 * {@code use_slots: false} unsetting primary_slot_name, and a switchover after which the new primary
 * has the permanent physical slot at a position no later than the one its consumer confirmed; last, a kill -9 of the
 * primary with real consumers on both permanent slots (pg_recvlogical, pg_receivewal) and a writer running, after
 * which the dead member's slot expires with member_slots_ttl; and Patroni's permanent and ignored slot scenarios, in
 * their own steps, on the two survivors.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicationSlotsEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static FeatureSteps steps;

    @BeforeAll
    static void startCluster() throws Exception {
        steps = new FeatureSteps(3, 20, 2, 4);
        for (int i = 0; i < 3; i++) steps.setParameter(i, "wal_level", "logical");
        steps.start(0);
        steps.isLeader(0, 30);
        steps.start(1);
        steps.configureAndStart(2, "replicatefrom", "node1");
        steps.replicationWorks(0, 2, 60);
    }

    @AfterAll
    static void stopCluster() {
        if (steps != null) steps.close();
    }

    private static String q(int i, String sql) {
        return steps.query(i, sql);
    }

    private static String queryOrThrow(int i, String sql) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(steps.cluster().jdbcUrl(i),
                LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD);
             java.sql.ResultSet rs = c.createStatement().executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static String slot(int i, String name, String column) {
        return q(i, "SELECT " + column + " FROM pg_replication_slots WHERE slot_name = '" + name + "'");
    }

    private static boolean hasSlot(int i, String name) {
        return "1".equals(q(i, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + name + "'"));
    }

    private static long lsn(String text) {
        String[] p = text.split("/");
        return (Long.parseLong(p[0], 16) << 32) + Long.parseLong(p[1], 16);
    }

    private static void await(String what, FeatureSteps.Check check) throws Exception {
        steps.awaitTrue(what, WAIT, check, () -> steps.cluster().logs());
    }

    @Test
    @Order(1)
    void cascadingReplicaStreamsThroughItsSlotOnTheUpstreamReplica() throws Exception {
        assertThat(q(2, "SHOW primary_slot_name")).isEqualTo("node2");
        await("node2 streams from node1 through the slot node2 on node1",
                () -> "t".equals(slot(1, "node2", "active")));
        steps.isReplicatingFrom(2, 1, 10);
        assertThat(hasSlot(0, "node2")).as("the primary also keeps node2's slot (member_slots_ttl)").isTrue();
        assertThat(slot(0, "node2", "active")).isEqualTo("f");
        // nobody streams through node0's slot of node2, which node0 itself publishes in /status.slots: it follows the
        // position node2 publishes (Patroni 4), not the one node0 read back
        steps.exec(0, "CREATE TABLE IF NOT EXISTS cascade_t(v int); "
                + "INSERT INTO cascade_t SELECT generate_series(1, 1000)");
        long written = lsn(q(0, "SELECT pg_current_wal_lsn()"));
        await("node0's slot of node2 advanced past " + Long.toHexString(written), () -> {
            String s = slot(0, "node2", "restart_lsn");
            return s != null && lsn(s) >= written;
        });
        // the upstream restarts: node2 streams through its slot there again
        String pid = q(1, "SELECT pg_postmaster_start_time()");
        HttpResponse<String> r = steps.rest(1, "POST", "/restart", "{}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        await("node1 restarted", () -> {
            String now = q(1, "SELECT pg_postmaster_start_time()");
            return now != null && !now.equals(pid);
        });
        await("node2 streams through its slot on node1 again", () -> "t".equals(slot(1, "node2", "active")));
    }

    @Test
    @Order(2)
    void everyNodeKeepsEveryOtherMembersSlot() throws Exception {
        await("node1 keeps node0's slot, node2 keeps node0's and node1's",
                () -> hasSlot(1, "node0") && hasSlot(2, "node0") && hasSlot(2, "node1"));
        assertThat(hasSlot(0, "node0")).as("never a slot for oneself").isFalse();
        await("the leader publishes retain_slots", () -> steps.cluster().cluster().status().retainSlots()
                .containsAll(java.util.List.of("node0", "node1", "node2")));
    }

    @Test
    @Order(3)
    void permanentSlotsAreCreatedOnThePrimaryAndThePhysicalOneKeptAndAdvancedOnReplicas() throws Exception {
        HttpResponse<String> r = steps.rest(0, "PATCH", "/config", "{\"slots\": {\"keep_wal\": {\"type\": "
                + "\"physical\"}, \"cdc\": {\"type\": \"logical\", \"database\": \"postgres\", \"plugin\": "
                + "\"test_decoding\"}}, \"ignore_slots\": [{\"name\": \"foreign\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        await("keep_wal and cdc on the primary", () -> hasSlot(0, "keep_wal") && hasSlot(0, "cdc"));
        assertThat(slot(0, "cdc", "plugin")).isEqualTo("test_decoding");
        await("keep_wal on both replicas", () -> hasSlot(1, "keep_wal") && hasSlot(2, "keep_wal"));

        // a consumer confirms a position on the primary: here by advancing the slot there
        steps.exec(0, "CREATE TABLE IF NOT EXISTS slot_t(v int); INSERT INTO slot_t SELECT generate_series(1, 1000)");
        String confirmed = q(0, "SELECT pg_current_wal_lsn()");
        steps.exec(0, "SELECT pg_replication_slot_advance('keep_wal', '" + confirmed + "')");
        long at = lsn(slot(0, "keep_wal", "restart_lsn"));
        await("/status.slots publishes keep_wal at " + confirmed,
                () -> steps.cluster().cluster().status().slots().getOrDefault("keep_wal", 0L) == at);
        for (int i = 1; i <= 2; i++) {
            int node = i;
            await("keep_wal advanced on node" + i, () -> {
                String s = slot(node, "keep_wal", "restart_lsn");
                return s != null && lsn(s) == at;
            });
        }
        // the logical slot's confirmed position is published too
        steps.exec(0, "SELECT count(*) FROM pg_logical_slot_get_changes('cdc', NULL, NULL)");
        long cdc = lsn(slot(0, "cdc", "confirmed_flush_lsn"));
        await("/status.slots publishes cdc", () -> steps.cluster().cluster().status().slots()
                .getOrDefault("cdc", 0L) == cdc);
        // Patroni's permanent_slots.feature: /status.slots names the permanent slots, the members' slots and the
        // leader itself; a member's slot copy on a replica is in sync with the primary's
        await("/status.slots has node0, node1, node2, keep_wal, cdc", () -> steps.cluster().cluster().status().slots()
                .keySet().containsAll(java.util.List.of("node0", "node1", "node2", "keep_wal", "cdc")));
        await("physical slot node1 in sync between node0 and node2", () -> {
            String a = slot(0, "node1", "restart_lsn");
            return a != null && a.equals(slot(2, "node1", "restart_lsn"));
        });
        // replicas copy the logical slot from the primary (one restart) and advance it to the published position
        for (int i = 1; i <= 2; i++) {
            int node = i;
            await("cdc copied to node" + i + " and advanced", () -> {
                String s = slot(node, "cdc", "confirmed_flush_lsn");
                return s != null && lsn(s) == cdc;
            });
            assertThat(slot(i, "cdc", "plugin")).isEqualTo("test_decoding");
            assertThat(q(i, "SHOW hot_standby_feedback")).as("forced where logical slots are kept").isEqualTo("on");
        }
        // Patroni 4.x's readiness check: a copy is safe once the primary holds its catalog_xmin back through the
        // replica's physical slot there (node2's feedback reaches it through node1's slot node1)
        for (int i = 1; i <= 2; i++) {
            steps.logHas(i, "INFO", java.util.List.of("Logical slot cdc is safe to be used after a failover"), 40);
        }
    }

    @Test
    @Order(4)
    void ignoredSlotIsKeptAndAnUnknownOneDropped() throws Exception {
        steps.exec(0, "SELECT pg_create_physical_replication_slot('foreign', true)");
        steps.exec(0, "SELECT pg_create_physical_replication_slot('stray', true)");
        await("the unknown slot stray is dropped", () -> !hasSlot(0, "stray"));
        assertThat(hasSlot(0, "foreign")).as("ignore_slots keeps foreign").isTrue();
        steps.exec(1, "SELECT pg_create_physical_replication_slot('stray_on_replica', true)");
        await("replicas drop unknown slots too", () -> !hasSlot(1, "stray_on_replica"));
    }

    @Test
    @Order(5)
    void useSlotsFalseUnsetsPrimarySlotName() throws Exception {
        HttpResponse<String> r = steps.rest(0, "PATCH", "/config", "{\"postgresql\": {\"use_slots\": false}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        await("no primary_slot_name on node1 and node2",
                () -> "".equals(q(1, "SHOW primary_slot_name")) && "".equals(q(2, "SHOW primary_slot_name")));
        steps.replicationWorks(0, 1, 20);
        r = steps.rest(0, "PATCH", "/config", "{\"postgresql\": {\"use_slots\": true}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        await("primary_slot_name back on node1 and node2",
                () -> "node1".equals(q(1, "SHOW primary_slot_name")) && "node2".equals(q(2, "SHOW primary_slot_name")));
        await("node1 streams through its slot again", () -> "t".equals(slot(0, "node1", "active")));
    }

    @Test
    @Order(6)
    void permanentPhysicalSlotSurvivesASwitchoverNoLaterThanConfirmed() throws Exception {
        steps.exec(0, "INSERT INTO slot_t SELECT generate_series(1, 1000)");
        String confirmed = q(0, "SELECT pg_current_wal_lsn()");
        steps.exec(0, "SELECT pg_replication_slot_advance('keep_wal', '" + confirmed + "')");
        long at = lsn(slot(0, "keep_wal", "restart_lsn"));
        await("node1 has keep_wal at the confirmed position", () -> {
            String s = slot(1, "keep_wal", "restart_lsn");
            return s != null && lsn(s) == at;
        });
        // the logical consumer confirms everything up to a marker row, then more rows follow that it has not seen
        steps.exec(0, "INSERT INTO slot_t VALUES (-1)");
        steps.exec(0, "SELECT count(*) FROM pg_logical_slot_get_changes('cdc', NULL, NULL)");
        long cdc = lsn(slot(0, "cdc", "confirmed_flush_lsn"));
        await("node1's cdc at the consumer's position", () -> {
            String c = slot(1, "cdc", "confirmed_flush_lsn");
            return c != null && lsn(c) == cdc;
        });
        // WAL after the confirmed positions that the consumers have not seen yet
        steps.exec(0, "INSERT INTO slot_t SELECT generate_series(1, 1000)");
        steps.exec(0, "INSERT INTO slot_t VALUES (-2)");
        HttpResponse<String> r = steps.rest(0, "POST", "/switchover", "{\"leader\": \"node0\", \"candidate\": "
                + "\"node1\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        steps.isLeader(1, 30);
        await("node1 promoted", () -> "f".equals(q(1, "SELECT pg_is_in_recovery()")));
        String s = slot(1, "keep_wal", "restart_lsn");
        assertThat(s).as("keep_wal on the new primary").isNotNull();
        assertThat(lsn(s)).as("no later than the confirmed position").isLessThanOrEqualTo(at);
        String c = slot(1, "cdc", "confirmed_flush_lsn");
        assertThat(c).as("cdc on the new primary").isNotNull();
        assertThat(lsn(c)).as("cdc no later than the consumer confirmed").isLessThanOrEqualTo(cdc);
        // the consumer reconnects to the new primary and gets every change it had not confirmed
        String changes = queryOrThrow(1, "SELECT string_agg(data, E'\\n') FROM pg_logical_slot_get_changes('cdc', NULL,"
                + " NULL)");
        assertThat(changes).as("changes after the switchover").contains("v[integer]:-2").contains("v[integer]:1000")
                .doesNotContain("v[integer]:-1");
        // the new primary now publishes the slots; the old primary comes back as a replica streaming through node0
        await("node1 publishes keep_wal", () -> steps.cluster().cluster().status().slots()
                .getOrDefault("keep_wal", 0L) == lsn(s));
        await("node0 streams from node1 through its slot", () -> "t".equals(slot(1, "node0", "active")));
        await("node0 keeps keep_wal as a replica", () -> hasSlot(0, "keep_wal"));
        ClusterStatus status = steps.cluster().cluster().status();
        assertThat(status.retainSlots()).contains("node0", "node1", "node2");
        // each replica copied the logical slot once (one restart each), never again
        for (int i = 1; i <= 2; i++) {
            assertThat(FeatureSteps.logLines(steps.cluster().node(i).log()).stream()
                    .filter(l -> l.contains("Copied logical replication slots [cdc]")).count())
                    .as("copies on node" + i).isEqualTo(1);
        }
        assertThat(FeatureSteps.logLines(steps.cluster().node(0).log()).stream()
                .filter(l -> l.contains("Copying logical replication slots")).count())
                .as("the old primary kept its slot as a replica: no copy").isZero();
        assertThat(FeatureSteps.logLines(steps.cluster().node(1).log()).stream()
                .filter(l -> l.contains("might be unsafe to use after promote")).toList())
                .as("node1's copy of cdc was known safe before its promotion").isEmpty();
    }

    private static final java.util.regex.Pattern KILL_ROW =
            java.util.regex.Pattern.compile("table public\\.cdc_kill: INSERT: id\\[bigint\\]:(\\d+)");

    /** How often pg_recvlogical delivered each row of cdc_kill. */
    private static java.util.Map<Long, Integer> received(java.nio.file.Path out) throws java.io.IOException {
        java.util.Map<Long, Integer> counts = new java.util.TreeMap<>();
        if (!java.nio.file.Files.exists(out)) return counts;
        java.util.regex.Matcher m = KILL_ROW.matcher(java.nio.file.Files.readString(out));
        while (m.find()) counts.merge(Long.parseLong(m.group(1)), 1, Integer::sum);
        return counts;
    }

    private static long slotLsn(int i, String name, String column) {
        String s = slot(i, name, column);
        return s == null ? -1 : lsn(s);
    }

    /**
     * Issue 14's kill -9 proof, asynchronous mode: pg_recvlogical on the permanent logical slot cdc and pg_receivewal
     * on the permanent physical slot keep_wal, both connected through a multi-host read-write connection string, a
     * writer on the primary; the primary's daemon and postmaster are killed with SIGKILL. The consumers are held
     * (SIGSTOP) until the new primary is up, so its slots can be seen before they reconnect: both no later than the
     * positions last published in /status. Then they reconnect by themselves. pg_recvlogical received every row the
     * new primary has (nothing missing), and a row twice only if its commit lies after the published cdc position;
     * pg_receivewal continues on the new timeline through the same slot. The dead member's slot is kept on every node
     * for member_slots_ttl (20 s here), then dropped.
     */
    @Test
    @Order(7)
    void logicalAndPhysicalConsumersFollowAKillNineFailoverAndTheDeadMembersSlotExpires() throws Exception {
        HttpResponse<String> r = steps.rest(0, "PATCH", "/config", "{\"member_slots_ttl\": \"20s\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        LocalCluster c = steps.cluster();
        int old = c.index(c.leaderName(WAIT));
        String oldName = FeatureSteps.name(old);
        java.nio.file.Path out = c.dir().resolve("cdc_kill.recvlogical");
        java.nio.file.Path walDir = c.dir().resolve("keep_wal.receivewal");
        steps.exec(old, "CREATE TABLE cdc_kill (id bigint PRIMARY KEY)");
        long startCdc = slotLsn(old, "cdc", "confirmed_flush_lsn");
        long startKeepWal = slotLsn(old, "keep_wal", "restart_lsn");
        LsnWriter writer = new LsnWriter(c.jdbcUrl(old), "cdc_kill", LocalCluster.SUPERUSER,
                LocalCluster.SUPERUSER_PASSWORD, 30);
        int newPrimary;
        try (SlotConsumer logical = SlotConsumer.logical(SlotConsumer.primaryConninfo(c, 3, LocalCluster.SUPERUSER,
                "postgres"), LocalCluster.SUPERUSER_PASSWORD, "cdc", out);
             SlotConsumer physical = SlotConsumer.physical(SlotConsumer.primaryConninfo(c, 3, "replicator", null),
                     "regent-replicator", "keep_wal", walDir)) {
            java.util.function.Supplier<String> consumers = () -> "\npg_recvlogical:\n" + logical.log()
                    + "\npg_receivewal:\n" + physical.log();
            writer.start();
            // both consumers confirm positions past the start of the writes, and the leader publishes them
            steps.awaitTrue("the consumers' positions published in /status", WAIT, () -> {
                java.util.Map<String, Long> slots = c.cluster().status().slots();
                return received(out).size() > 20 && slots.getOrDefault("cdc", 0L) > startCdc
                        && slots.getOrDefault("keep_wal", 0L) > startKeepWal;
            }, consumers);
            c.node(old).kill9();
            // what the dead leader last published: the replicas advance their copies to it
            ClusterStatus last = c.cluster().status();
            long pubCdc = last.slots().get("cdc");
            long pubKeepWal = last.slots().get("keep_wal");
            c.killPostmaster(old);
            logical.signal("STOP");
            physical.signal("STOP");
            int np = c.index(c.await("a new leader", Duration.ofSeconds(90),
                    v -> v.leader() != null && !v.leader().name().equals(oldName)).leader().name());
            await("the new primary promoted", () -> "f".equals(q(np, "SELECT pg_is_in_recovery()")));
            newPrimary = np;
            writer.close();
            long newCdc = slotLsn(np, "cdc", "confirmed_flush_lsn");
            assertThat(newCdc).as("cdc on the new primary: advanced during the writes, not past the published %s",
                    LsnWriter.format(pubCdc)).isGreaterThan(startCdc).isLessThanOrEqualTo(pubCdc);
            long newKeepWal = slotLsn(np, "keep_wal", "restart_lsn");
            assertThat(newKeepWal).as("keep_wal on the new primary: advanced, not past the published %s",
                    LsnWriter.format(pubKeepWal)).isGreaterThan(startKeepWal).isLessThanOrEqualTo(pubKeepWal);
            // the dead member's slot outlives its member key, for member_slots_ttl
            await(oldName + "'s member key expired", () -> c.cluster().members().stream()
                    .noneMatch(m -> m.name().equals(oldName)));
            assertThat(hasSlot(np, oldName)).as("%s's slot kept on the new primary", oldName).isTrue();

            // the consumers come back and reconnect to the new primary by themselves
            logical.signal("CONT");
            physical.signal("CONT");
            steps.exec(np, "INSERT INTO cdc_kill SELECT generate_series(1000000, 1000019)");
            long afterMarkers = lsn(q(np, "SELECT pg_current_wal_lsn()"));
            steps.awaitTrue("pg_recvlogical received the new primary's rows", WAIT,
                    () -> received(out).containsKey(1000019L), consumers);
            steps.awaitTrue("pg_receivewal streams the new timeline through keep_wal", WAIT,
                    () -> "t".equals(slot(np, "keep_wal", "active"))
                            && slotLsn(np, "keep_wal", "restart_lsn") >= afterMarkers, consumers);
            String timeline = q(np, "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)");
            assertThat(java.nio.file.Files.exists(walDir.resolve(timeline + ".history")))
                    .as("pg_receivewal followed the switch to timeline %s%s", timeline, consumers.get()).isTrue();

            // nothing missing: every row the new primary has was delivered
            java.util.Map<Long, Integer> got = received(out);
            java.util.List<Long> present = new java.util.ArrayList<>();
            try (java.sql.Connection conn = java.sql.DriverManager.getConnection(c.jdbcUrl(np),
                    LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD);
                 java.sql.ResultSet rs = conn.createStatement().executeQuery("SELECT id FROM cdc_kill ORDER BY id")) {
                while (rs.next()) present.add(rs.getLong(1));
            }
            assertThat(present).as("rows on the new primary").hasSizeGreaterThan(40);
            assertThat(got.keySet()).as("delivered to the consumer").containsAll(present);
            // duplicates only from the position last published: a row whose commit ended at or before it comes once
            java.util.List<LsnWriter.Ack> confirmed = writer.acks().stream().filter(a -> a.lsnAfter() <= pubCdc)
                    .toList();
            assertThat(confirmed).as("rows confirmed before the kill").isNotEmpty();
            for (LsnWriter.Ack a : confirmed) {
                assertThat(got.get(a.id())).as("deliveries of row %d (commit before the published %s)", a.id(),
                        LsnWriter.format(pubCdc)).isEqualTo(1);
            }
        } finally {
            writer.close();
        }

        // member_slots_ttl runs out: the dead member's slot goes, on the primary and the replica
        int np = newPrimary;
        int other = 3 - old - np;
        await(oldName + " leaves retain_slots and its slot is dropped everywhere", () -> !c.cluster().status()
                .retainSlots().contains(oldName) && !hasSlot(np, oldName) && !hasSlot(other, oldName));
        assertThat(c.cluster().status().retainSlots()).as("the living members are still retained")
                .contains(FeatureSteps.name(np), FeatureSteps.name(other));
    }

    /**
     * Patroni's permanent_slots.feature and ignored_slots.feature, in their own steps, on what is left of the cluster
     * (a primary, a replica, the dead member): a permanent physical slot named after a member is in /status.slots but
     * not in retain_slots and never kept by that member itself; permanent slots follow the primary's consumers on the
     * replica; the replica's copy of the primary's member slot has no xmin; a logical slot made by hand that no
     * ignore_slots entry matches is dropped; a replica tagged nofailover drops its permanent slot copies.
     */
    @Test
    @Order(8)
    void patronisPermanentSlotScenariosOnTheSurvivors() throws Exception {
        LocalCluster c = steps.cluster();
        int leader = c.index(c.leaderName(WAIT));
        int dead = java.util.stream.IntStream.range(0, 3).filter(i -> !c.node(i).isAlive()).findFirst().orElseThrow();
        int replica = 3 - leader - dead;
        String replicaName = FeatureSteps.name(replica);
        HttpResponse<String> r = steps.rest(leader, "PATCH", "/config", "{\"slots\": {\"" + replicaName + "\": 0}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        await("/status.slots has " + replicaName + ", retain_slots does not", () -> steps.statusHas("slots",
                replicaName) && !steps.statusHas("retain_slots", replicaName));
        assertThat(steps.statusHas("slots", "keep_wal")).isTrue();
        assertThat(steps.statusHas("slots", "cdc")).isTrue();
        assertThat(steps.statusHas("retain_slots", FeatureSteps.name(leader))).isTrue();
        steps.hasPhysicalSlot(leader, replicaName, 10);
        steps.hasNoSlot(replica, replicaName);
        // permanent_slots.feature: permanent slots are advanced on replicas
        steps.exec(leader, "INSERT INTO slot_t VALUES (3)");
        steps.getAllChangesFromLogicalSlot(leader, "cdc");
        steps.getAllChangesFromPhysicalSlot(leader, "keep_wal");
        steps.slotInSync("logical", "cdc", leader, replica, 20);
        steps.slotInSync("physical", "keep_wal", leader, replica, 20);
        steps.physicalSlotHasNoXmin(replica, FeatureSteps.name(leader), 10);
        // ignored_slots.feature: a slot made by hand that no ignore_slots entry matches goes
        steps.createLogicalSlot(leader, "dummy_slot", "test_decoding");
        await("dummy_slot dropped", () -> !hasSlot(leader, "dummy_slot"));
        steps.hasLogicalSlot(leader, "cdc", "test_decoding", 1);
        // permanent_slots.feature: no permanent slot copies on a nofailover node
        steps.setTag(replica, "nofailover", true);
        assertThat(steps.rest(replica, "POST", "/reload", null).statusCode()).isEqualTo(202);
        await(replicaName + " (nofailover) drops cdc and keep_wal", () -> !hasSlot(replica, "cdc")
                && !hasSlot(replica, "keep_wal"));
        steps.hasLogicalSlot(leader, "cdc", "test_decoding", 1);
        steps.hasPhysicalSlot(leader, "keep_wal", 1);
    }
}

