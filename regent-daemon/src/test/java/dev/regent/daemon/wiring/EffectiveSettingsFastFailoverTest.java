package dev.regent.daemon.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.config.FastFailover;
import dev.regent.core.config.NodeConfig;
import dev.regent.core.ha.HaSettings;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import dev.regent.daemon.config.ConfigLoader;
import dev.regent.daemon.loop.MemberDataBuilder;
import dev.regent.dcs.MemberCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast failover profile as a node applies it: Regent's own member keys carry the marker, so a cluster of Regent
 * nodes gets the profile's timings; one member key without it (a Patroni node) brings back Patroni's, and the
 * settings follow the members from snapshot to snapshot (the last known members while the DCS is unreachable).
 */
class EffectiveSettingsFastFailoverTest {
    @TempDir
    Path base;

    private static final Map<String, Object> FAST = Map.of("ttl", 6, "loop_wait", 1, "retry_timeout", 2,
            "regent", Map.of("fast_failover", true));

    @Test
    void regentMembersGetTheProfileAndAPatroniMemberTakesItAway() throws Exception {
        EffectiveSettings settings = new EffectiveSettings(config());
        MemberData regent = MemberCodec.fromJson(MemberCodec.toJson(new MemberDataBuilder(
                "postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni", "4.1.4")
                .build(new LocalPostgres(LocalPostgres.ProcessState.STOPPED, false, null, null, null, 0, 0, null, null, null,
                        null, null), null, Map.of(), false)));
        assertThat(regent.extra()).containsKey(FastFailover.MEMBER_MARKER);
        MemberData patroni = MemberCodec.fromJson("{\"conn_url\": \"postgres://127.0.0.1:5433/postgres\","
                + " \"api_url\": \"http://127.0.0.1:8009/patroni\", \"state\": \"running\", \"role\": \"replica\","
                + " \"version\": \"3.0.2\"}");
        Member pg0 = new Member("pg0", 1, null, regent);
        Member pg1 = new Member("pg1", 1, null, patroni);

        HaSettings regentOnly = settings.settings(view(List.of(pg0)));
        assertThat(List.of(regentOnly.ttlSeconds(), regentOnly.loopWaitSeconds(), regentOnly.retryTimeoutSeconds()))
                .containsExactly(6, 1, 2);
        assertThat(settings.current().fastFailover()).isTrue();

        HaSettings mixed = settings.settings(view(List.of(pg0, pg1)));
        assertThat(List.of(mixed.ttlSeconds(), mixed.loopWaitSeconds(), mixed.retryTimeoutSeconds()))
                .containsExactly(20, 1, 3);
        assertThat(mixed.dynamic().fastFailover()).isFalse();
        assertThat(settings.current().warnings()).anyMatch(w -> w.message().contains("(pg1)"));
        // DCS unreachable: the members last seen still count
        assertThat(settings.settings(null).ttlSeconds()).isEqualTo(20);
        assertThat(settings.settings(view(List.of(pg0))).ttlSeconds()).isEqualTo(6);
    }

    private static ClusterView view(List<Member> members) {
        return new ClusterView("sysid", new ClusterConfig(1, FAST), null, null, members, null, null, null, null);
    }

    private NodeConfig config() throws Exception {
        Path file = base.resolve("pg0.yml");
        Files.writeString(file, String.join("\n",
                "scope: batman",
                "name: pg0",
                "restapi: {listen: 127.0.0.1:8008, connect_address: 127.0.0.1:8008}",
                "etcd3: {hosts: 127.0.0.1:2379}",
                "postgresql:",
                "  listen: 127.0.0.1:5432",
                "  connect_address: 127.0.0.1:5432",
                "  data_dir: " + base.resolve("pg0"),
                "  authentication:",
                "    superuser: {username: postgres, password: su-secret}",
                "    replication: {username: replicator, password: rep-secret}",
                ""));
        ConfigLoader.Loaded l = ConfigLoader.load(file, Map.of());
        assertThat(l.errors()).as("test configuration").isEmpty();
        return l.config();
    }
}
