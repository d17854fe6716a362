package dev.regent.core.config;

import static dev.regent.core.config.TestTrees.map;
import static dev.regent.core.config.TestTrees.valid;
import static dev.regent.core.config.TestTrees.validate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FastFailoverTest {

    private static int[] timeouts(DynamicConfig d) {
        return new int[] {d.ttl(), d.loopWait(), d.retryTimeout()};
    }

    private static Map<String, Object> fast(Object ttl, Object loop, Object retry) {
        return map("ttl", ttl, "loop_wait", loop, "retry_timeout", retry, "regent", map("fast_failover", true));
    }

    @Test
    void withoutTheKeyATtlBelowTwentyKeepsPatronisMeaning() {
        DynamicConfig d = DynamicConfig.of(map("ttl", 10L, "loop_wait", 1L, "retry_timeout", 3L));
        assertThat(timeouts(d)).containsExactly(20, 1, 3);
        assertThat(d.fastFailover()).isFalse();
        assertThat(d.warnings()).extracting(ConfigError::message)
                .containsExactly("ttl=10 can't be smaller than 20, adjusting...");
    }

    @Test
    void theKeyOffIsThePatroniProfile() {
        Map<String, Object> m = fast(6L, 1L, 2L);
        m.put("regent", map("fast_failover", false));
        DynamicConfig d = DynamicConfig.of(m);
        assertThat(d.fastFailover()).isFalse();
        assertThat(timeouts(d)).containsExactly(20, 1, 3);  // Patroni's minimums
    }

    @Test
    void theKeyOnAllowsTtlDownToSix() {
        DynamicConfig d = DynamicConfig.of(fast(6L, 1L, 2L));
        assertThat(d.fastFailover()).isTrue();
        assertThat(timeouts(d)).containsExactly(6, 1, 2);
        assertThat(d.warnings()).isEmpty();
        // the decider reads the adjusted values, the key itself passes through (Patroni ignores it)
        ClusterConfig global = d.asClusterConfig(4);
        assertThat(global.ttl()).isEqualTo(6);
        assertThat(global.data()).containsKey("regent");
    }

    /** ttl, loop_wait, retry_timeout in → out with the key on, and the expected warning paths. */
    @ParameterizedTest
    @CsvSource({
        "3, 0, 1, 6, 1, 2, 'ttl;loop_wait;retry_timeout'",  // floors 6/1/2
        "10, 1, 3, 10, 1, 3, ''",
        "'8', '2', '3', 8, 2, 3, ''",                        // strings coerced, 2 + 6 <= 8
        "8, 5, 3, 8, 2, 3, 'loop_wait'",                      // loop_wait shrinks to ttl - 2*retry
        "7, 1, 5, 7, 1, 3, 'loop_wait'"                       // even loop_wait 1 does not fit: retry (7-1)//2
    })
    void floorsAndTheLoopWaitRuleWithTheKeyOn(String ttl, String loop, String retry, int eTtl, int eLoop,
                                              int eRetry, String warned) {
        DynamicConfig d = DynamicConfig.of(fast(ttl, loop, retry));
        assertThat(timeouts(d)).containsExactly(eTtl, eLoop, eRetry);
        assertThat(d.loopWait() + 2 * d.retryTimeout()).isLessThanOrEqualTo(d.ttl());
        assertThat(d.warnings()).extracting(ConfigError::path)
                .containsExactlyInAnyOrder(warned.isEmpty() ? new String[0] : warned.split(";"));
    }

    @Test
    void theFloorWarningNamesTheProfilesMinimum() {
        DynamicConfig d = DynamicConfig.of(fast(4L, 1L, 2L));
        assertThat(d.warnings()).extracting(ConfigError::message)
                .contains("ttl=4 can't be smaller than 6, adjusting...");
    }

    @Test
    void refusedWithAPatroniMemberWithAWarningNamingIt() {
        DynamicConfig d = DynamicConfig.of(fast(6L, 1L, 2L), List.of("pg2"));
        assertThat(d.fastFailover()).isFalse();
        assertThat(timeouts(d)).containsExactly(20, 1, 3);
        assertThat(d.warnings()).extracting(ConfigError::path).contains("regent.fast_failover");
        assertThat(d.warnings()).extracting(ConfigError::message).anyMatch(msg ->
                msg.contains("not applied while Patroni members are in the cluster (pg2)"));
        assertThat(d.warnings()).allMatch(ConfigError::warning);
    }

    @Test
    void aValueThatIsNotABooleanLeavesTheProfileOffWithAWarning() {
        Map<String, Object> m = fast(6L, 1L, 2L);
        m.put("regent", map("fast_failover", "sometimes"));
        DynamicConfig d = DynamicConfig.of(m);
        assertThat(d.fastFailover()).isFalse();
        assertThat(d.ttl()).isEqualTo(20);
        assertThat(d.warnings()).extracting(ConfigError::path).contains("regent.fast_failover");
        m.put("regent", "yes");
        assertThat(DynamicConfig.of(m).warnings()).extracting(ConfigError::path).contains("regent");
        m.put("regent", map("fast_failover", "on"));  // Patroni's boolean spellings are accepted
        assertThat(DynamicConfig.of(m).fastFailover()).isTrue();
    }

    @Test
    void membersWithoutRegentsMarkerArePatroniMembers() {
        MemberData regent = memberData(Map.of(FastFailover.MEMBER_MARKER, "1.0"));
        MemberData patroni = memberData(Map.of());
        ClusterView c = new ClusterView("sysid", null, null, null, List.of(new Member("pg1", 1, null, regent),
                new Member("pg2", 1, null, patroni), Member.bare("pg3")), null, null, null, null);
        // pg3 is known only from the leader key: its agent is unknown, it is not judged
        assertThat(FastFailover.patroniMembers(c)).containsExactly("pg2");
        assertThat(FastFailover.patroniMembers(null)).isEmpty();
    }

    @Test
    void effectiveConfigAppliesTheProfileFromBootstrapDcsAndRefusesItWithPatroniMembers() {
        Map<String, Object> t = valid();
        t.put("bootstrap", map("dcs", fast(6L, 1L, 2L)));
        ValidationResult r = validate(t);
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).isEmpty();
        EffectiveConfig e = EffectiveConfig.of(r.config(), null);
        assertThat(e.fastFailover()).isTrue();
        assertThat(e.ttl()).isEqualTo(6);
        assertThat(e.describe().get(0)).isEqualTo("ttl=6 loop_wait=1 retry_timeout=2 (fast failover profile)");
        EffectiveConfig mixed = EffectiveConfig.of(r.config(), new ClusterConfig(3, fast(6L, 1L, 2L)),
                List.of("pg9"));
        assertThat(mixed.fastFailover()).isFalse();
        assertThat(mixed.ttl()).isEqualTo(20);
        assertThat(mixed.warnings()).extracting(ConfigError::path).contains("regent.fast_failover");
        // what the decider reads says the profile is off, so its own floors agree
        assertThat(mixed.global().fastFailover()).isFalse();
        assertThat(mixed.global().ttl()).isEqualTo(20);
        assertThat(e.global().fastFailover()).isTrue();
        assertThat(e.global().retryTimeout()).isEqualTo(2);
    }

    @Test
    void bootstrapDcsChecksTheRegentKeys() {
        Map<String, Object> t = valid();
        t.put("bootstrap", map("dcs", map("regent", map("fast_failover", "maybe", "fastest", true))));
        ValidationResult r = validate(t);
        assertThat(r.errors()).extracting(ConfigError::path).contains("bootstrap.dcs.regent.fast_failover");
        assertThat(r.warnings()).extracting(ConfigError::path).contains("bootstrap.dcs.regent.fastest");
    }

    private static MemberData memberData(Map<String, Object> extra) {
        return new MemberData("postgres://h:5432/postgres", "http://h:8008/patroni", null, "running", "replica",
                "4.1.4", null, null, null, null, null, Map.of(), null, null, null, null, false, extra);
    }
}
