package dev.regent.daemon.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.HaDecider;
import dev.regent.core.ha.HaSettings;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import dev.regent.daemon.wiring.StatusPublisher;
import dev.regent.dcs.PatroniDcs;
import dev.regent.dcs.memory.InMemoryKvServer;
import dev.regent.postgres.PgStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A synchronous standby that shuts down first asks the primary to release it (Patroni 4's while_not_sync_standby):
 * it publishes nosync and sync_priority 0 in its member key and waits until /sync no longer lists it, at most twice
 * loop_wait. Against the in-memory DCS, with a thread playing the primary.
 */
class HaLoopSyncReleaseTest {
    private static final String SYSID = "7000000000000000001";
    private final InMemoryKvServer server = new InMemoryKvServer();
    private final PatroniDcs primary = new PatroniDcs(server.newStore("pg0", Duration.ofSeconds(30)), "/service",
            "batman", "pg0");
    private final PatroniDcs dcs = new PatroniDcs(server.newStore("pg1", Duration.ofSeconds(30)), "/service",
            "batman", "pg1");
    private final ActionExecutorTest.RecordingPostgres pg = new ActionExecutorTest.RecordingPostgres();
    private HaLoop loop;

    @BeforeEach
    void replicaListedInSync() throws Exception {
        assertThat(primary.setConfigValue("{\"ttl\":30,\"loop_wait\":1,\"synchronous_mode\":\"on\"}", null))
                .isTrue();
        assertThat(primary.initialize(true, SYSID)).isTrue();
        assertThat(primary.attemptToAcquireLeader()).isTrue();
        primary.touchMember(member("primary", Map.of()));
        assertThat(primary.setSyncStateValue("{\"leader\":\"pg0\",\"sync_standby\":\"pg1\"}", null)).isTrue();
        pg.observed = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, SYSID, true, "in archive recovery",
                1, 5_000L, 5_000L, 5_000L, "streaming", "pg0", "pg1");
        StatusPublisher status = new StatusPublisher("batman", "pg1", () -> new PgStatus(true, 5_000L, 5_000L, 5_000L,
                1, "streaming", OffsetDateTime.now(), 150004, SYSID, "", List.of(), Map.of()));
        loop = new HaLoop("pg1", dcs, pg, HaDecider::decide, new Settings(), new PeerProber(),
                new MemberDataBuilder("postgres://127.0.0.1:5433/postgres", "http://127.0.0.1:8009/patroni",
                        "4.1.4"), status, Clock.systemUTC());
        loop.cycle();
        assertThat(tagsOf("pg1")).doesNotContainKey("nosync");
    }

    @AfterEach
    void close() {
        loop.close();
        dcs.close();
        primary.close();
    }

    @Test
    void theStandbyWaitsUntilThePrimaryUnpublishesIt() throws Exception {
        AtomicReference<Map<String, Object>> tagsSeen = new AtomicReference<>();
        Thread primaryLoop = new Thread(() -> {
            try {
                for (int i = 0; i < 100; i++) {
                    ClusterView c = primary.load();
                    Map<String, Object> tags = c.member("pg1").map(Member::tags).orElse(Map.of());
                    if (Boolean.TRUE.equals(tags.get("nosync"))) {
                        tagsSeen.set(tags);
                        Thread.sleep(300);  // a cycle of the primary later
                        primary.setSyncStateValue("{\"leader\":\"pg0\",\"sync_standby\":null}", c.sync().version());
                        return;
                    }
                    Thread.sleep(20);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        primaryLoop.start();
        long start = System.nanoTime();
        loop.releaseSyncStandbyBeforeStop();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        primaryLoop.join(5_000);
        assertThat(tagsSeen.get()).as("the primary saw the request").containsEntry("nosync", true)
                .containsEntry("sync_priority", 0);
        assertThat(primary.load().sync().syncStandbys()).as("released before returning").isEmpty();
        assertThat(took).isBetween(Duration.ofMillis(300), Duration.ofMillis(1_900));
    }

    @Test
    void aPrimaryThatDoesNotReleaseItHoldsTheStopAtMostTwiceLoopWait() throws Exception {
        long start = System.nanoTime();
        loop.releaseSyncStandbyBeforeStop();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isBetween(Duration.ofMillis(1_900), Duration.ofMillis(3_500));
        assertThat(tagsOf("pg1")).containsEntry("nosync", true);
    }

    @Test
    void aReplicaOutsideSyncStopsAtOnceWithoutAHint() throws Exception {
        ClusterView c = primary.load();
        assertThat(primary.setConfigValue("{\"ttl\":30,\"loop_wait\":1,\"synchronous_mode\":\"off\"}",
                c.config().version())).isTrue();
        loop.cycle();
        long start = System.nanoTime();
        loop.releaseSyncStandbyBeforeStop();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
        assertThat(tagsOf("pg1")).doesNotContainKey("nosync");
    }

    private Map<String, Object> tagsOf(String name) throws Exception {
        return dcs.load().member(name).map(Member::tags).orElseThrow();
    }

    private static MemberData member(String role, Map<String, Object> tags) {
        return new MemberData("postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni", null, "running",
                role, null, 5_000L, null, null, null, 1, tags, null, null, null, null, false, Map.of());
    }

    private static final class Settings implements SettingsProvider {
        @Override
        public HaSettings settings(ClusterView cluster) {
            ClusterConfig cfg = cluster == null || cluster.config() == null ? ClusterConfig.empty() : cluster.config();
            return new HaSettings("pg1", 30, 1, 10, Map.of(), false, true, false, false, cfg);
        }

        @Override public String bootstrapDcsJson() { return null; }

        @Override public Duration startTimeout(HaSettings settings) { return Duration.ofSeconds(5); }
    }
}
