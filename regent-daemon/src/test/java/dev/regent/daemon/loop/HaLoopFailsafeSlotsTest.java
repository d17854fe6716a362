package dev.regent.daemon.loop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.ha.FailsafeAnswer;
import dev.regent.core.ha.HaDecider;
import dev.regent.core.ha.HaSettings;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.MemberData;
import dev.regent.core.slots.ExistingSlot;
import dev.regent.core.slots.SlotOp;
import dev.regent.daemon.wiring.StatusPublisher;
import dev.regent.dcs.PatroniDcs;
import dev.regent.dcs.memory.InMemoryKvServer;
import dev.regent.postgres.PgStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The primary's side of failsafe mode with slots: while the DCS is unreachable it posts Patroni 4's body to the other
 * members of {@code /failsafe}, {@code name}, {@code conn_url}, {@code api_url} and {@code slots} (its slot positions
 * plus its own slot at its WAL position), and keeps running once every member accepted; its slot of a member that
 * cascades then follows the position that member answered in the {@code lsn} header.
 */
class HaLoopFailsafeSlotsTest {
    private final InMemoryKvServer server = new InMemoryKvServer();
    private final PatroniDcs dcs = new PatroniDcs(server.newStore("pg0", Duration.ofSeconds(30)), "/service",
            "batman", "pg0");
    private final HaLoopUnsupportedConfigTest.RunningPrimary pg = new HaLoopUnsupportedConfigTest.RunningPrimary();
    private final List<PatroniDcs> others = new ArrayList<>();
    private HaLoop loop;

    @AfterEach
    void close() {
        if (loop != null) loop.close();
        for (PatroniDcs d : others) d.close();
        dcs.close();
    }

    @Test
    void withTheDcsDownThePrimaryPostsItsSlotPositionsAndKeepsRunningWhenAccepted() throws Exception {
        assertThat(dcs.setConfigValue("{\"ttl\":30,\"loop_wait\":10,\"failsafe_mode\":true,"
                + "\"slots\":{\"perm_phys\":{\"type\":\"physical\"}}}", null)).isTrue();
        assertThat(dcs.initialize(true, "7000000000000000001")).isTrue();
        pg.serverVersion = 150004;
        pg.slots = List.of(ExistingSlot.physical("perm_phys", false, 4_000L),
                ExistingSlot.logical("perm_logical", "test_decoding", "postgres", true, 4_500L));
        StatusPublisher status = new StatusPublisher("batman", "pg0", () -> new PgStatus(false, 5_000L, null, null, 1,
                null, OffsetDateTime.now(), 150004, "7000000000000000001", "", List.of(), Map.of()));
        loop = new HaLoop("pg0", dcs, pg, HaDecider::decide, new Settings(), new PeerProber(),
                new MemberDataBuilder("postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni",
                        "4.1.4"), status, Clock.systemUTC());
        List<String> bodies = new ArrayList<>();
        Map<String, Map<String, String>> asked = new HashMap<>();
        loop.setFailsafeCaller((members, body) -> {
            bodies.add(body);
            asked.put("round" + bodies.size(), members);
            Map<String, FailsafeAnswer> out = new HashMap<>();
            members.keySet().forEach(m -> out.put(m, new FailsafeAnswer(m, true, 4_900L)));
            return out;
        });
        loop.cycle();
        assertThat(dcs.load().isLeader("pg0")).as("the lock was taken").isTrue();
        assertThat(bodies).as("nobody is asked while the DCS works").isEmpty();

        server.partition("pg0");
        loop.failsafe().setTopology(Map.of("pg0", "http://127.0.0.1:8008/patroni",
                "pg1", "http://127.0.0.1:8009/patroni"));
        loop.cycle();

        assertThat(asked.get("round1")).containsOnlyKeys("pg1");
        JsonNode body = new ObjectMapper().readTree(bodies.get(0));
        List<String> keys = new ArrayList<>();
        body.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).as("Patroni's field order").containsExactly("name", "conn_url", "api_url", "slots");
        assertThat(body.get("name").asText()).isEqualTo("pg0");
        assertThat(body.get("conn_url").asText()).isEqualTo("postgres://127.0.0.1:5432/postgres");
        assertThat(body.get("api_url").asText()).isEqualTo("http://127.0.0.1:8008/patroni");
        assertThat(new ObjectMapper().convertValue(body.get("slots"), Map.class)).isEqualTo(Map.of(
                "perm_phys", 4_000, "perm_logical", 4_500, "pg0", 5_000));
        assertThat(pg.stops).as("every member accepted: the primary keeps running").isZero();
        assertThat(loop.failsafe().keptLeadingAt()).as("failsafe kept this node leading").isPositive();
    }

    @Test
    void withTheDcsDownThePrimaryAdvancesItsSlotOfACascadingMemberToTheLsnItAnswered() throws Exception {
        assertThat(dcs.setConfigValue("{\"ttl\":30,\"loop_wait\":10,\"failsafe_mode\":true}", null)).isTrue();
        assertThat(dcs.initialize(true, "7000000000000000001")).isTrue();
        // pg1 streams from pg0; pg2 cascades from pg1, so pg0's slot of pg2 is inactive and only pg0 moves it
        replicaKey("pg1", 4_000L, Map.of());
        replicaKey("pg2", 1_000L, Map.of("replicatefrom", "pg1"));
        pg.serverVersion = 150004;
        pg.slots = List.of(ExistingSlot.physical("pg1", true, 4_000L), ExistingSlot.physical("pg2", false, 1_000L));
        StatusPublisher status = new StatusPublisher("batman", "pg0", () -> new PgStatus(false, 5_000L, null, null, 1,
                null, OffsetDateTime.now(), 150004, "7000000000000000001", "", List.of(), Map.of()));
        loop = new HaLoop("pg0", dcs, pg, HaDecider::decide, new Settings(), new PeerProber(),
                new MemberDataBuilder("postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni",
                        "4.1.4"), status, Clock.systemUTC());
        loop.setFailsafeCaller((members, body) -> {
            Map<String, FailsafeAnswer> out = new HashMap<>();
            out.put("pg1", new FailsafeAnswer("pg1", true, 4_900L));
            out.put("pg2", new FailsafeAnswer("pg2", true, 4_500L));
            return out;
        });
        // leading: /status comes to publish pg0's own slot positions (a renewal writes what the last sync saw),
        // pg2's at 1000; one more cycle reads them back as the snapshot the outage will keep
        for (int i = 0; i < 5 && !dcs.load().status().slots().containsKey("pg2"); i++) loop.cycle();
        loop.cycle();
        assertThat(dcs.load().isLeader("pg0")).isTrue();
        assertThat(loop.lastCluster().status().slots()).containsEntry("pg2", 1_000L);
        assertThat(pg.slotOps).as("nothing to advance while pg2 published 1000").isEmpty();

        server.partition("pg0");
        loop.failsafe().setTopology(Map.of("pg0", "http://127.0.0.1:8008/patroni",
                "pg1", "http://127.0.0.1:8009/patroni", "pg2", "http://127.0.0.1:8010/patroni"));
        loop.cycle();

        assertThat(pg.stops).as("every member accepted: the primary keeps running").isZero();
        assertThat(pg.slotOps).as("pg2's slot follows the lsn pg2 answered; pg1's (it streams) is left alone")
                .containsExactly(new SlotOp.Advance("pg2", null, 4_500L));
    }

    private void replicaKey(String name, long wal, Map<String, Object> tags) throws Exception {
        // kept open until the end: the member key lives with its session
        PatroniDcs member = new PatroniDcs(server.newStore(name, Duration.ofSeconds(30)), "/service", "batman", name);
        others.add(member);
        member.touchMember(new MemberData("postgres://127.0.0.1:5433/postgres", "http://127.0.0.1:8009/patroni",
                null, "running", "replica", "4.0.0", wal, null, null, null, 1, tags, null, null, null, null,
                false, Map.of()));
    }

    /** The dynamic config of the last snapshot read, kept while the DCS is down (as the daemon's settings do). */
    private static final class Settings implements SettingsProvider {
        private ClusterConfig cached = ClusterConfig.empty();

        @Override
        public HaSettings settings(ClusterView cluster) {
            if (cluster != null && cluster.config() != null) cached = cluster.config();
            return new HaSettings("pg0", 30, 10, 10, Map.of(), false, true, false, false, cached);
        }

        @Override
        public String bootstrapDcsJson() {
            return null;
        }

        @Override
        public Duration startTimeout(HaSettings settings) {
            return Duration.ofSeconds(60);
        }
    }
}
