package dev.regent.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.MemberData;
import dev.regent.core.model.TimelineHistory;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.DcsJson;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.PatroniDcs;
import dev.regent.time.Sleeper;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link PatroniDcs} over a backend: Patroni's key layout, write semantics and exact JSON. Subclass once per backend
 * with the {@link StoreFixture} hooks.
 */
public abstract class DcsContract extends StoreFixture {
    private static final String SCOPE = "batman";

    protected final PatroniDcs dcs(String name) {
        return new PatroniDcs(store(name), prefix, SCOPE, name);
    }

    private String raw(PatroniDcs dcs, String relative) throws DcsException {
        return dcs.store().getPrefix(dcs.key(relative)).stream().filter(kv -> kv.key().equals(dcs.key(relative)))
                .map(KeyValue::value).findFirst().orElse(null);
    }

    private long revision(PatroniDcs dcs, String relative) throws DcsException {
        return dcs.store().getPrefix(dcs.key(relative)).stream().filter(kv -> kv.key().equals(dcs.key(relative)))
                .mapToLong(KeyValue::modRevision).findFirst().orElse(0);
    }

    private static MemberData member(String state, long lsn, Map<String, Object> tags) {
        return new MemberData("postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni", null, state,
                "replica", "4.0.4", lsn, null, null, null, 1, tags, null, null, null, null, false, null);
    }

    @Test
    void basePathCollapsesSlashes() {
        assertThat(new PatroniDcs(store("x"), "/service/", "batman", "x").basePath()).isEqualTo("/service/batman/");
        assertThat(new PatroniDcs(store("y"), null, "batman", "y").basePath()).isEqualTo("/service/batman/");
        assertThat(dcs("z").key("members/z")).isEqualTo(prefix + SCOPE + "/members/z");
    }

    @Test
    void leaderRaceHasOneWinnerBoundToItsSession() throws Exception {
        PatroniDcs a = dcs("pg0");
        PatroniDcs b = dcs("pg1");
        CompletableFuture<Boolean> fa = async(() -> acquire(a));
        CompletableFuture<Boolean> fb = async(() -> acquire(b));
        boolean wonA = fa.get(20, TimeUnit.SECONDS);
        boolean wonB = fb.get(20, TimeUnit.SECONDS);
        assertThat(wonA ^ wonB).as("exactly one winner").isTrue();
        PatroniDcs winner = wonA ? a : b;
        ClusterView view = (wonA ? b : a).load();
        assertThat(view.leader().name()).isEqualTo(winner.name());
        assertBoundTo(winner.store(), winner.key("leader"), view.leader().session());
        assertThat(view.leader().member().name()).as("bare member").isEqualTo(winner.name());
        assertThat(raw(a, "leader")).isEqualTo(winner.name());
    }

    private static boolean acquire(PatroniDcs dcs) {
        try {
            return dcs.attemptToAcquireLeader();
        } catch (DcsException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void renewalWritesStatusOnlyWhenChanged() throws Exception {
        PatroniDcs a = dcs("pg0");
        PatroniDcs b = dcs("pg1");
        assertThat(a.attemptToAcquireLeader()).isTrue();
        assertThat(a.updateLeader(100, Map.of())).isTrue();
        assertThat(raw(a, "status")).isEqualTo("{\"optime\":100}");
        long rev = revision(a, "status");
        assertThat(a.updateLeader(100, Map.of())).isTrue();
        assertThat(revision(a, "status")).as("unchanged status not rewritten").isEqualTo(rev);
        assertThat(a.updateLeader(200, Map.of("pg1", 150L))).isTrue();
        assertThat(raw(a, "status")).isEqualTo("{\"optime\":200,\"slots\":{\"pg1\":150}}");
        assertThat(b.updateLeader(300, Map.of())).as("not the holder").isFalse();
        assertThat(raw(a, "status")).isEqualTo("{\"optime\":200,\"slots\":{\"pg1\":150}}");
        ClusterView view = b.load();
        assertThat(view.status().optime()).isEqualTo(200);
        assertThat(view.status().slots()).containsEntry("pg1", 150L);
    }

    @Test
    void lockIsLostAfterSessionExpiry() throws Exception {
        PatroniDcs a = dcs("pg0");
        PatroniDcs b = dcs("pg1");
        assertThat(a.attemptToAcquireLeader()).isTrue();
        assertThat(afterExpiry(() -> unlocked(b))).as("leader key expired").isTrue();
        assertThat(b.attemptToAcquireLeader()).isTrue();
        assertThat(a.updateLeader(100, Map.of())).as("lock now held by pg1").isFalse();
        assertThat(a.load().leader().name()).isEqualTo("pg1");
    }

    @Test
    void renewalRecreatesExpiredLockWhenNobodyTookIt() throws Exception {
        PatroniDcs a = dcs("pg0");
        PatroniDcs b = dcs("pg1");
        assertThat(a.attemptToAcquireLeader()).isTrue();
        String oldSession = a.store().sessionId();
        assertThat(afterExpiry(() -> unlocked(b))).isTrue();
        assertThat(a.updateLeader(100, Map.of())).isTrue();
        ClusterView view = b.load();
        assertThat(view.leader().name()).isEqualTo("pg0");
        assertThat(a.store().sessionId()).isNotEqualTo(oldSession);
        assertBoundTo(a.store(), a.key("leader"), view.leader().session());
    }

    private static boolean unlocked(PatroniDcs dcs) {
        try {
            return dcs.load().isUnlocked();
        } catch (DcsException e) {
            return false;
        }
    }

    @Test
    void deleteLeaderWritesOptimeFirstAndOnlyReleasesOwnLock() throws Exception {
        PatroniDcs a = dcs("pg0");
        PatroniDcs b = dcs("pg1");
        assertThat(a.attemptToAcquireLeader()).isTrue();
        assertThat(b.deleteLeader(0)).isFalse();
        assertThat(a.deleteLeader(4242)).isTrue();
        ClusterView view = b.load();
        assertThat(view.isUnlocked()).isTrue();
        assertThat(raw(a, "status")).isEqualTo("{\"optime\":4242}");
    }

    @Test
    void statusCarriesSlotsAndRetainSlotsAndTheFinalOptimeKeepsThem() throws Exception {
        PatroniDcs a = dcs("pg0");
        assertThat(a.attemptToAcquireLeader()).isTrue();
        assertThat(a.updateLeader(100, Map.of("keep", 90L), java.util.List.of("pg0", "pg1"))).isTrue();
        assertThat(raw(a, "status")).isEqualTo("{\"optime\":100,\"slots\":{\"keep\":90},"
                + "\"retain_slots\":[\"pg0\",\"pg1\"]}");
        assertThat(a.load().status().retainSlots()).containsExactly("pg0", "pg1");
        assertThat(a.deleteLeader(150)).isTrue();
        assertThat(raw(a, "status")).isEqualTo("{\"optime\":150,\"slots\":{\"keep\":90},"
                + "\"retain_slots\":[\"pg0\",\"pg1\"]}");
    }

    @Test
    void memberKeyExactJsonAndSkippedWhenUnchanged() throws Exception {
        PatroniDcs a = dcs("pg0");
        PatroniDcs b = dcs("pg1");
        MemberData data = member("running", 100, Map.of("nofailover", true));
        a.touchMember(data);
        assertThat(raw(a, "members/pg0")).isEqualTo("{\"conn_url\":\"postgres://127.0.0.1:5432/postgres\","
                + "\"api_url\":\"http://127.0.0.1:8008/patroni\",\"state\":\"running\",\"role\":\"replica\","
                + "\"version\":\"4.0.4\",\"xlog_location\":100,\"timeline\":1,\"tags\":{\"nofailover\":true}}");
        long rev = revision(a, "members/pg0");
        a.load();
        a.touchMember(data);
        assertThat(revision(a, "members/pg0")).as("unchanged member not rewritten").isEqualTo(rev);
        a.touchMember(member("running", 200, Map.of()));
        assertThat(revision(a, "members/pg0")).isGreaterThan(rev);
        ClusterView view = b.load();
        assertThat(view.members()).hasSize(1);
        assertThat(view.member("pg0").orElseThrow().data()).isEqualTo(member("running", 200, Map.of()));
        assertBoundTo(a.store(), a.key("members/pg0"), view.member("pg0").orElseThrow().session());
        assertThat(a.attemptToAcquireLeader()).isTrue();
        assertThat(b.load().leader().member().apiUrl()).isEqualTo("http://127.0.0.1:8008/patroni");
    }

    @Test
    void unchangedMemberOfAReplicaOutlivesTheTtl() throws Exception {
        // A replica of an idle cluster publishes the same member data every cycle and never renews a leader lock:
        // touching it must still keep its session alive, or the member vanishes from the cluster after one ttl.
        PatroniDcs a = dcs("pg0");
        PatroniDcs b = dcs("pg1");
        MemberData data = member("running", 100, Map.of());
        long stepMillis = ttl().toMillis() / 3;
        for (int i = 0; i < 5; i++) {
            a.touchMember(data);
            letTimePass(Duration.ofMillis(stepMillis));
        }
        a.touchMember(data);
        assertThat(b.load().member("pg0")).as("member key alive after %d ms of unchanged touches", 5 * stepMillis)
                .isPresent();
    }

    @Test
    void memberUnknownFieldsSurviveRoundTrip() throws Exception {
        PatroniDcs a = dcs("pg0");
        a.store().put(a.key("members/pg0"), "{\"conn_url\":\"postgres://h:5432/postgres\",\"api_url\":\"http://h:8008"
                + "/patroni\",\"state\":\"running\",\"role\":\"master\",\"version\":\"2.1.0\",\"xlog_location\":7,"
                + "\"pause\":true,\"future_field\":{\"x\":[1,2]}}", true);
        MemberData d = a.load().member("pg0").orElseThrow().data();
        assertThat(d.normalizedRole()).isEqualTo("primary");
        assertThat(d.pause()).isTrue();
        assertThat(d.extra()).containsKey("future_field");
        a.closeSession();
        a.touchMember(d);
        assertThat(raw(a, "members/pg0")).contains("\"pause\":true").endsWith(",\"future_field\":{\"x\":[1,2]}}");
    }

    @Test
    void closeSessionDropsMemberAndLeader() throws Exception {
        PatroniDcs a = dcs("pg0");
        PatroniDcs b = dcs("pg1");
        a.touchMember(member("running", 1, Map.of()));
        assertThat(a.attemptToAcquireLeader()).isTrue();
        a.closeSession();
        ClusterView view = b.load();
        assertThat(view.isUnlocked()).isTrue();
        assertThat(view.members()).isEmpty();
    }

    @Test
    void initializeRaceOverwriteAndCancel() throws Exception {
        PatroniDcs a = dcs("pg0");
        PatroniDcs b = dcs("pg1");
        assertThat(a.load().initialize()).isNull();
        assertThat(a.initialize(true, "")).isTrue();
        assertThat(b.initialize(true, "")).isFalse();
        assertThat(b.load().initialize()).isEmpty();
        assertThat(a.initialize(false, "7123456789012345678")).isTrue();
        ClusterView view = b.load();
        assertThat(view.initialize()).isEqualTo("7123456789012345678");
        assertThat(view.isInitialized()).isTrue();
        a.cancelInitialization();
        assertThat(b.load().initialize()).isNull();
    }

    @Test
    void bootstrapCompletionWritesOnlyOverThePlaceholderOrAnAbsentKey() throws Exception {
        PatroniDcs a = dcs("pg0");
        PatroniDcs b = dcs("pg1");
        assertThat(a.completeInitialization("7123456789012345678")).as("absent: created").isTrue();
        assertThat(b.load().initialize()).isEqualTo("7123456789012345678");
        assertThat(a.completeInitialization("7123456789012345678")).as("already ours").isTrue();
        assertThat(b.completeInitialization("7999999999999999999")).as("another sysid").isFalse();
        assertThat(b.cancelInitialization("7999999999999999999")).as("not b's to delete").isFalse();
        assertThat(b.load().initialize()).isEqualTo("7123456789012345678");
        assertThat(a.cancelInitialization("7123456789012345678")).as("a's own").isTrue();
        assertThat(b.load().initialize()).isNull();
        assertThat(a.initialize(true, "")).isTrue();
        assertThat(b.completeInitialization("7999999999999999999")).as("over the placeholder").isTrue();
        assertThat(a.load().initialize()).isEqualTo("7999999999999999999");
        a.cancelInitialization();
        assertThat(a.initialize(true, "")).isTrue();
        assertThat(b.cancelInitialization(null)).as("the placeholder").isTrue();
        assertThat(a.load().initialize()).isNull();
    }

    @Test
    void stalledPlaceholderIsDeletedOnlyAtItsRevision() throws Exception {
        PatroniDcs a = dcs("pg0");
        PatroniDcs b = dcs("pg1");
        assertThat(a.initialize(true, "")).isTrue();
        long first = b.load().initializeVersion();
        assertThat(first).isPositive();
        a.cancelInitialization();
        assertThat(a.initialize(true, "")).isTrue();
        long second = b.load().initializeVersion();
        assertThat(second).isNotEqualTo(first);
        assertThat(b.cancelStaleInitialize(first)).as("a newer placeholder").isFalse();
        assertThat(a.load().initialize()).isEmpty();
        assertThat(b.cancelStaleInitialize(second)).isTrue();
        assertThat(a.load().initialize()).isNull();
    }

    @Test
    void configCompareAndSet() throws Exception {
        PatroniDcs a = dcs("pg0");
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("ttl", 30);
        config.put("loop_wait", 10);
        config.put("postgresql", Map.of("use_pg_rewind", true));
        assertThat(a.setConfigValue(DcsJson.configToJson(config), null)).isTrue();
        assertThat(raw(a, "config")).isEqualTo("{\"ttl\":30,\"loop_wait\":10,\"postgresql\":{\"use_pg_rewind\":true}}");
        ClusterView view = a.load();
        long version = view.config().version();
        assertThat(view.config().ttl()).isEqualTo(30);
        assertThat(view.config().usePgRewind()).isTrue();
        assertThat(a.setConfigValue("{\"ttl\":40}", version)).isTrue();
        assertThat(a.setConfigValue("{\"ttl\":50}", version)).as("stale version").isFalse();
        assertThat(a.load().config().ttl()).isEqualTo(40);
    }

    @Test
    void failoverJsonLegacyAndEmpty() throws Exception {
        PatroniDcs a = dcs("pg0");
        Instant at = Instant.parse("2030-05-01T08:00:00Z");
        assertThat(a.setFailover(new Failover(0, "pg0", "pg1", at), null)).isTrue();
        assertThat(raw(a, "failover"))
                .isEqualTo("{\"leader\":\"pg0\",\"member\":\"pg1\",\"scheduled_at\":\"2030-05-01T08:00:00+00:00\"}");
        Failover f = a.load().failover();
        assertThat(f).isEqualTo(new Failover(f.version(), "pg0", "pg1", at));
        a.store().put(a.key("failover"), "{\"member\":\"pg2\",\"scheduled_at\":\"2030-05-01T10:00:00+02:00\"}", false);
        f = a.load().failover();
        assertThat(f.leader()).isNull();
        assertThat(f.candidate()).isEqualTo("pg2");
        assertThat(f.scheduledAt()).isEqualTo(at);
        a.store().put(a.key("failover"), "pg0:pg3", false);
        f = a.load().failover();
        assertThat(f.leader()).isEqualTo("pg0");
        assertThat(f.candidate()).isEqualTo("pg3");
        assertThat(a.clearFailover(f.version())).isTrue();
        assertThat(a.load().failover()).isNull();
        a.store().put(a.key("failover"), "", false);
        assertThat(a.load().failover()).isNull();
    }

    @Test
    void typedFailoverWritesAreCompareAndSetAndClearWithAnEmptyObject() throws Exception {
        PatroniDcs a = dcs("pg0");
        Instant at = Instant.parse("2030-05-01T08:00:00.250Z");
        assertThat(a.setFailover(new Failover(0, "pg0", "pg1", at), ZoneOffset.ofHours(2), null)).isTrue();
        assertThat(raw(a, "failover")).as("scheduled_at keeps the operator's offset, micros as Python prints them")
                .isEqualTo("{\"leader\":\"pg0\",\"member\":\"pg1\","
                        + "\"scheduled_at\":\"2030-05-01T10:00:00.250000+02:00\"}");
        Failover f = a.load().failover();
        assertThat(f).isEqualTo(new Failover(f.version(), "pg0", "pg1", at));

        assertThat(a.setFailover(new Failover(0, null, "pg2", null), f.version() - 1)).as("stale version").isFalse();
        assertThat(a.clearFailover(f.version() - 1)).as("stale version").isFalse();
        assertThat(a.load().failover()).as("refused writes change nothing").isEqualTo(f);

        assertThat(a.setFailover(new Failover(0, "", "pg2", null), f.version())).isTrue();
        assertThat(raw(a, "failover")).as("an empty leader is left out, as Patroni does")
                .isEqualTo("{\"member\":\"pg2\"}");
        f = a.load().failover();
        assertThat(f).isEqualTo(new Failover(f.version(), null, "pg2", null));
        assertThat(f.actionName()).isEqualTo("manual failover");

        assertThat(a.clearFailover(f.version())).isTrue();
        assertThat(raw(a, "failover")).as("cleared as {}, not deleted (Patroni)").isEqualTo("{}");
        assertThat(a.load().failover()).isNull();
        assertThat(a.setFailover(new Failover(0, "pg1", "pg0", null), null)).as("unconditional").isTrue();
        assertThat(a.clearFailover(null)).as("unconditional").isTrue();
        assertThat(raw(a, "failover")).isEqualTo("{}");
    }

    @Test
    void failoverNamesWithQuotesBackslashesAndNonAsciiRoundTrip() throws Exception {
        PatroniDcs a = dcs("pg0");
        String leader = "pg\\\"0\\";
        String member = "caf\u00e9\t\uD83D\uDE00\"x";
        assertThat(a.setFailover(new Failover(0, leader, member, null), null)).isTrue();
        assertThat(raw(a, "failover")).as("json.dumps(..., separators=(',', ':')) with ensure_ascii")
                .isEqualTo("{\"leader\":\"pg\\\\\\\"0\\\\\",\"member\":\"caf\\u00e9\\t\\ud83d\\ude00\\\"x\"}");
        Failover f = a.load().failover();
        assertThat(f).as("read back by our decoder").isEqualTo(new Failover(f.version(), leader, member, null));
        assertThat(a.clearFailover(f.version())).isTrue();
        assertThat(a.load().failover()).isNull();
    }

    @Test
    void syncStateRoundTripAndCompareAndSet() throws Exception {
        PatroniDcs a = dcs("pg0");
        assertThat(a.setSyncStateValue(DcsJson.syncToJson("pg0", Set.of("pg2", "pg1"), 1), 0L)).isTrue();
        assertThat(raw(a, "sync")).isEqualTo("{\"leader\":\"pg0\",\"sync_standby\":\"pg1,pg2\",\"quorum\":1}");
        var sync = a.load().sync();
        assertThat(sync.leader()).isEqualTo("pg0");
        assertThat(sync.syncStandbys()).containsExactlyInAnyOrder("pg1", "pg2");
        assertThat(sync.quorum()).isEqualTo(1);
        assertThat(a.setSyncStateValue(DcsJson.syncToJson("pg0", List.of(), 0), sync.version())).isTrue();
        assertThat(raw(a, "sync")).isEqualTo("{\"leader\":\"pg0\",\"sync_standby\":null,\"quorum\":0}");
        assertThat(a.load().sync().syncStandbys()).isEmpty();
        assertThat(a.setSyncStateValue("{}", sync.version())).as("stale").isFalse();
        assertThat(a.deleteSyncState(sync.version())).as("stale").isFalse();
        assertThat(a.deleteSyncState(a.load().sync().version())).isTrue();
        assertThat(a.load().sync()).isNull();
        // chained writes: each on the version the previous one produced; a stale version is refused
        Long v1 = a.writeSyncState(DcsJson.syncToJson("pg0", List.of(), 0), 0L);
        assertThat(v1).as("created").isNotNull();
        Long v2 = a.writeSyncState(DcsJson.syncToJson("pg0", List.of("pg1"), 0), v1);
        assertThat(v2).isNotNull().isNotEqualTo(v1);
        assertThat(a.load().sync().version()).isEqualTo(v2);
        assertThat(a.writeSyncState(DcsJson.syncToJson("pg0", List.of("pg2"), 0), v1)).as("stale").isNull();
        assertThat(a.writeSyncState(DcsJson.syncToJson("pg0", List.of("pg2"), 0), 0L)).as("exists").isNull();
        assertThat(a.load().sync().syncStandbys()).containsExactly("pg1");
    }

    @Test
    void historyRoundTripExactJson() throws Exception {
        PatroniDcs a = dcs("pg0");
        TimelineHistory h = new TimelineHistory(0, List.of(
                new TimelineHistory.Entry(1, 25165984, "no recovery target specified", null, null),
                new TimelineHistory.Entry(2, 50331808, "no recovery target specified",
                        "2024-05-01T08:00:00.123456+00:00", "pg1")));
        a.setHistoryValue(h);
        assertThat(raw(a, "history")).isEqualTo("[[1,25165984,\"no recovery target specified\"],"
                + "[2,50331808,\"no recovery target specified\",\"2024-05-01T08:00:00.123456+00:00\",\"pg1\"]]");
        ClusterView view = a.load();
        assertThat(view.history().entries()).isEqualTo(h.entries());
        assertThat(view.timeline()).isEqualTo(3);
    }

    @Test
    void historyCompareAndSetOnTheVersionItWasReadAt() throws Exception {
        PatroniDcs a = dcs("pg0");
        PatroniDcs b = dcs("pg1");
        TimelineHistory one = new TimelineHistory(0, List.of(
                new TimelineHistory.Entry(1, 100, "no recovery target specified", null, "pg1")));
        TimelineHistory two = new TimelineHistory(0, List.of(one.entries().get(0),
                new TimelineHistory.Entry(2, 200, "no recovery target specified", null, "pg0")));
        long absent = a.load().history().version();
        assertThat(b.setHistoryValue(one, absent)).as("absent").isTrue();
        assertThat(a.setHistoryValue(two, absent)).as("written by another member since the read").isFalse();
        assertThat(a.setHistoryValue(two, a.load().history().version())).isTrue();
        assertThat(a.load().history().entries()).isEqualTo(two.entries());
    }

    @Test
    void failsafeAndLegacyOptime() throws Exception {
        PatroniDcs a = dcs("pg0");
        a.setFailsafeValue(Map.of("pg0", "http://127.0.0.1:8008/patroni"));
        a.store().put(a.key("optime/leader"), "777", false);
        ClusterView view = a.load();
        assertThat(view.failsafe()).containsEntry("pg0", "http://127.0.0.1:8008/patroni");
        assertThat(view.status().optime()).as("legacy optime/leader without status").isEqualTo(777);
    }

    @Test
    void garbageValuesAreTreatedAsAbsent() throws Exception {
        PatroniDcs a = dcs("pg0");
        for (String key : List.of("config", "status", "failover", "sync", "history", "failsafe", "optime/leader",
                "members/pg1")) {
            a.store().put(a.key(key), "{not json[", false);
        }
        a.store().put(a.key("members/pg2"), "[1,2]", false);
        a.store().put(a.key("history"), "[[\"x\"]]", false);
        a.store().put(a.key("leader"), "pg1", false);
        a.touchMember(member("running", 5, Map.of()));
        ClusterView view = a.load();
        assertThat(view.config()).isNull();
        assertThat(view.status().optime()).isZero();
        assertThat(view.failover()).isNull();
        assertThat(view.sync()).isNull();
        assertThat(view.history().entries()).isEmpty();
        assertThat(view.failsafe()).isNull();
        assertThat(view.members()).extracting(m -> m.name()).containsExactly("pg0");
        assertThat(view.leader().name()).isEqualTo("pg1");
        assertThat(view.leader().member().data()).isEqualTo(MemberData.EMPTY);
    }

    @Test
    void deleteClusterRemovesEverything() throws Exception {
        PatroniDcs a = dcs("pg0");
        a.initialize(true, "1");
        a.touchMember(member("running", 5, Map.of()));
        a.attemptToAcquireLeader();
        a.deleteCluster();
        assertThat(a.store().getPrefix(a.basePath())).isEmpty();
    }

    @Test
    void watchWakesWhenTheLeaderKeyGoes() throws Exception {
        PatroniDcs a = dcs("pg0");
        PatroniDcs b = dcs("pg1");
        assertThat(a.attemptToAcquireLeader()).isTrue();
        b.load();
        CompletableFuture<Boolean> woke = async(() -> watch(b, Duration.ofSeconds(30)));
        Sleeper.SYSTEM.sleep(Duration.ofMillis(200));
        a.touchMember(member("running", 5, Map.of()));
        Sleeper.SYSTEM.sleep(Duration.ofMillis(300));
        assertThat(woke).as("member writes do not wake the loop").isNotDone();
        assertThat(a.deleteLeader(0)).isTrue();
        assertThat(woke.get(5, TimeUnit.SECONDS)).isTrue();
    }

    private static boolean watch(PatroniDcs dcs, Duration timeout) {
        try {
            return dcs.watch(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
