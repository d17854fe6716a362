package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Truth tables for the candidate ranking, the lag check and failover feasibility (HealthCheck). */
class HealthCheckTruthTableTest {
    /**
     * pg1 (WAL {@code myWal}, priority {@code myPrio}) against one peer pg2; status.optime {@code optime},
     * maximum_lag_on_failover 1000.
     */
    @ParameterizedTest(name = "me {0}/p{1} vs peer {2} {3}/p{4}, optime {5} -> {6}")
    @CsvSource({
            // myWal, myPrio, peer,        peerWal, peerPrio, optime, healthiest
            "100,   1,      replica,     100,     1,        100,    true",   // tie, same priority: both may race
            "100,   1,      replica,     101,     1,        100,    false",  // peer ahead
            "101,   1,      replica,     100,     5,        101,    true",   // I am ahead: priority irrelevant
            "100,   1,      replica,     100,     2,        100,    false",  // tie, peer has higher priority
            "100,   3,      replica,     100,     2,        100,    true",   // tie, I have higher priority
            "0,     1,      replica,     0,       2,        0,      true",   // priority ignored without a WAL position
            "100,   1,      primary,     50,      1,        100,    false",  // primary still alive
            "100,   1,      unreachable, 500,     1,        100,    true",   // unreachable peers are ignored
            "100,   1,      replica,     500,     0,        100,    true",   // peer may not promote: ignored
            "100,   1,      replica,     0,       1,        1100,   true",   // lag exactly at the limit
            "100,   1,      replica,     0,       1,        1101,   false",  // lag above the limit
    })
    void ranking(long myWal, int myPrio, String peer, long peerWal, int peerPrio, long optime, boolean expected) {
        Scenario s = as("pg1").unlocked().config("maximum_lag_on_failover", 1000).wal(myWal).optime(optime)
                .tag("failover_priority", myPrio).withoutMember("pg0");
        switch (peer) {
            case "primary" -> s.peerPrimary("pg2", peerWal);
            case "unreachable" -> s.peerUnreachable("pg2");
            default -> s.peer("pg2", peerWal, peerPrio);
        }
        assertThat(HealthCheck.isHealthiestNode(new Ctx(s.input()))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "optime {0}, wal {1}, max {2} -> lagging {3}")
    @CsvSource({
            "1000, 1000, 0,    false",
            "1001, 1000, 0,    true",
            "2000, 1000, 1000, false",
            "2001, 1000, 1000, true",
            "0,    5000, 10,   false", // a replica ahead of the last known optime is never lagging
    })
    void lagCheck(long optime, long wal, long maxLag, boolean lagging) {
        Ctx c = new Ctx(as("pg1").optime(optime).config("maximum_lag_on_failover", maxLag).input());
        assertThat(c.isLagging(wal)).isEqualTo(lagging);
    }

    /** check_timeline: my timeline against the cluster timeline (from /history). */
    @ParameterizedTest(name = "check {0}, mine {1}, cluster {2} -> {3}")
    @CsvSource({
            "true,  2, 2, true",
            "true,  1, 2, false",
            "true,  0, 1, false", // unknown timeline
            "false, 1, 2, true",
            "true,  3, 2, true",
    })
    void timelineCheck(boolean check, int mine, int cluster, boolean expected) {
        Scenario s = as("pg1").unlocked().config("check_timeline", check).timeline(mine).clusterTimeline(cluster);
        assertThat(HealthCheck.isHealthiestAmong(new Ctx(s.input()), List.of(), true)).isEqualTo(expected);
    }

    /** is_failover_possible from the leader pg0 with one candidate pg1. */
    @ParameterizedTest(name = "{0} wal {1} prio {2} tl {3}, optime {4}, check_timeline {5} -> {6}")
    @CsvSource({
            "reachable,   0,    1, 1, 0,       false, true",
            "unreachable, 0,    1, 1, 0,       false, false",
            "reachable,   0,    0, 1, 0,       false, false",   // nofailover
            "reachable,   0,    1, 1, 1048577, false, false",   // lagging
            "reachable,   1,    1, 1, 1048577, false, true",    // exactly at the limit
            "reachable,   0,    1, 1, 0,       true,  false",   // behind cluster timeline 2
            "reachable,   0,    1, 2, 0,       true,  true",
    })
    void failoverPossible(String state, long wal, int prio, int tl, long optime, boolean checkTl, boolean expected) {
        Scenario s = as("pg0").withoutMember("pg2").optime(optime).config("check_timeline", checkTl).clusterTimeline(2)
                .timeline(2);
        if (state.equals("unreachable")) s.peerUnreachable("pg1");
        else s.peer("pg1", wal, tl, prio);
        assertThat(HealthCheck.isFailoverPossible(new Ctx(s.input()), false)).isEqualTo(expected);
    }
}
