package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.LocalPostgres.ProcessState;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The decider's input contract: what a cycle must observe besides the DCS and the local postgres. */
class ObservationPlanTest {
    private static ObservationPlan plan(Scenario s) {
        HaInput in = s.input();
        return ObservationPlan.forCycle(in.cluster(), in.postgres(), in.settings().name());
    }

    @ParameterizedTest(name = "{0} -> probe {1}, re-observe {2}")
    @CsvSource({
            // case,                                          probe, reobserve
            "replica of a leader,                              false, false",
            "primary holding the lock,                         false, false",
            "unlocked replica,                                 true,  true",
            "unlocked stopped,                                 true,  false",
            "unlocked starting,                                true,  false",
            "unlocked empty data dir,                          false, false",
            "DCS unreadable,                                   false, false",
            "failover key on a replica,                        true,  true",
            "failover key on the primary,                      true,  true",
            "lock holder starting,                             true,  false",
            "lock holder stopped,                              true,  false",
            "lock holder running as replica,                   true,  true",
            "unlocked alone,                                   true,  false",
            "replica not on the leader's timeline,             true,  true",
            "named candidate after the leader released,        false, false",
            "named candidate: paused,                          true,  true",
            "named candidate: failsafe mode,                   true,  true",
            "named candidate: quorum mode,                     true,  true",
            "named candidate: scheduled,                       true,  true",
            "named candidate: no /config,                      true,  true",
            "named candidate: postgres stopped,                true,  false",
            "named candidate: leader still holds the lock,     true,  true",
            "another member than the named candidate,          true,  true",
            "failover without a candidate,                     true,  true",
    })
    void whatACycleObserves(String scenario, boolean probe, boolean reobserve) {
        Scenario s = switch (scenario) {
            case "replica of a leader" -> as("pg1");
            case "primary holding the lock" -> as("pg0");
            case "unlocked replica" -> as("pg1").unlocked();
            case "unlocked stopped" -> as("pg1").unlocked().stopped("shut down in recovery");
            case "unlocked starting" -> as("pg1").unlocked().starting();
            case "unlocked empty data dir" -> as("pg1").unlocked().emptyDataDir();
            case "DCS unreadable" -> as("pg1").unlocked().dcsDown();
            case "failover key on a replica" -> as("pg1").failover("pg0", "pg1");
            case "failover key on the primary" -> as("pg0").failover("pg0", "pg1");
            case "lock holder starting" -> as("pg0").starting();
            case "lock holder stopped" -> as("pg0").stopped("shut down");
            case "lock holder running as replica" -> as("pg0").replica();
            case "unlocked alone" -> as("pg1").unlocked().withoutMember("pg0").withoutMember("pg2");
            // the divergence rule may judge it: only against a leader that answers (DivergenceRule)
            case "replica not on the leader's timeline" -> as("pg1").timeline(2);
            // Patroni's "manual failover to me": the candidate compares itself with nobody, so asks nobody
            case "named candidate after the leader released" -> as("pg1").unlocked().failover("pg0", "pg1");
            case "named candidate: paused" -> as("pg1").unlocked().failover("pg0", "pg1").paused();
            case "named candidate: failsafe mode" -> as("pg1").unlocked().failover("pg0", "pg1").failsafeMode();
            case "named candidate: quorum mode" -> as("pg1").unlocked().failover("pg0", "pg1")
                    .config("synchronous_mode", "quorum");
            case "named candidate: scheduled" -> as("pg1").unlocked().scheduledSwitchover("pg0", "pg1", 0);
            case "named candidate: no /config" -> as("pg1").unlocked().failover("pg0", "pg1").noConfig();
            case "named candidate: postgres stopped" -> as("pg1").unlocked().failover("pg0", "pg1")
                    .stopped("shut down in recovery");
            case "named candidate: leader still holds the lock" -> as("pg1").failover("pg0", "pg1");
            case "another member than the named candidate" -> as("pg2").unlocked().failover("pg0", "pg1");
            case "failover without a candidate" -> as("pg1").unlocked().failover("pg0", null);
            default -> throw new IllegalArgumentException(scenario);
        };
        assertThat(plan(s)).isEqualTo(new ObservationPlan(probe, reobserve));
    }

    @Test
    void peersWithoutAnApiUrlCannotBeAsked() {
        HaInput in = as("pg1").unlocked().input();
        ClusterView c = in.cluster();
        List<Member> noApi = c.members().stream().map(m -> m.name().equals("pg1") ? m
                : new Member(m.name(), m.version(), m.session(), new MemberData(m.connUrl(), null, null, m.state(),
                        m.role(), "4.0.0", 0L, null, null, null, 1, null, null, null, null, null, false, null)))
                .toList();
        ClusterView withoutApi = new ClusterView(c.initialize(), c.config(), c.leader(), c.status(), noApi,
                c.failover(), c.sync(), c.history(), c.failsafe());
        assertThat(ObservationPlan.forCycle(withoutApi, in.postgres(), "pg1"))
                .as("the probe asks nobody: the first observation is all there is")
                .isEqualTo(new ObservationPlan(true, false));
    }

    @Test
    void theDeciderGetsTheFresherPositionWhenPostgresKeptItsState() {
        LocalPostgres before = as("pg1").unlocked().wal(100).input().postgres();
        LocalPostgres again = as("pg1").unlocked().wal(180).input().postgres();
        assertThat(ObservationPlan.afterProbe(before, again)).isSameAs(again);
    }

    @Test
    void theFirstObservationStandsWhenPostgresChangedStateMeanwhile() {
        LocalPostgres replica = as("pg1").unlocked().wal(100).input().postgres();
        LocalPostgres promoted = as("pg1").unlocked().primary().wal(180).input().postgres();
        LocalPostgres stopped = as("pg1").unlocked().stopped("shut down in recovery").input().postgres();
        assertThat(ObservationPlan.afterProbe(replica, promoted)).as("promoted meanwhile").isSameAs(replica);
        assertThat(ObservationPlan.afterProbe(replica, stopped)).as("stopped meanwhile").isSameAs(replica);
        assertThat(stopped.process()).isEqualTo(ProcessState.STOPPED);
    }
}
