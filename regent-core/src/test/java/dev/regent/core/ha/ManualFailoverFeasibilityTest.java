package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.core.ha.ManualFailoverFeasibility.Candidates;
import dev.regent.core.ha.ManualFailoverFeasibility.Refusal;
import dev.regent.core.ha.ManualFailoverFeasibility.Request;
import dev.regent.core.ha.ManualFailoverFeasibility.Verdict;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.core.model.SyncState;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every answer of Patroni's switchover/failover condition table and of is_failover_possible. */
class ManualFailoverFeasibilityTest {
    private static final Refusal BAD_SCHEDULE = new Refusal(422, "Cannot schedule switchover in the past");

    /** Patroni's answers, by the short names the table below uses. */
    private static final Map<String, Refusal> ANSWERS = Map.of(
            "needs-candidate", new Refusal(400, "Failover could be performed only to a specific candidate"),
            "needs-leader", new Refusal(400, "Switchover could be performed only from a specific leader"),
            "no-scheduled-failover", new Refusal(400, "Failover can't be scheduled"),
            "paused-schedule", new Refusal(400, "Can't schedule switchover in the paused state"),
            "bad-schedule", BAD_SCHEDULE,
            "paused-needs-candidate",
            new Refusal(400, "Switchover is possible only to a specific candidate in a paused state"),
            "same", new Refusal(400, "Switchover target and source are the same"));

    /**
     * The request conditions in Patroni's order. {@code -} leader/candidate = not given; {@code bad}: the
     * {@code scheduled_at} given could not be parsed; answer {@code -} = accepted (see {@link #ANSWERS}).
     */
    @ParameterizedTest(name = "{0} leader={1} candidate={2} scheduled={3} bad={4} paused={5} -> {6}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            // action  |leader|cand|sched|bad  |paused|answer                |action    |warns
            "failover  |-     |-   |false|false|false |needs-candidate       |failover  |false",
            "failover  |-     |-   |true |true |true  |needs-candidate       |failover  |false",
            "switchover|-     |pg1 |false|false|false |needs-leader          |switchover|false",
            "switchover|-     |-   |true |true |true  |needs-leader          |switchover|false",
            "failover  |-     |pg1 |true |false|false |no-scheduled-failover |failover  |false",
            "failover  |pg0   |pg1 |true |true |true  |no-scheduled-failover |failover  |false",
            "switchover|pg0   |-   |true |true |true  |paused-schedule       |switchover|false",
            "switchover|pg0   |pg0 |true |true |false |bad-schedule          |switchover|false",
            "switchover|pg0   |-   |false|false|true  |paused-needs-candidate|switchover|false",
            "failover  |pg0   |pg1 |false|false|false |-                     |switchover|true",
            "failover  |pg1   |pg1 |false|false|false |same                  |switchover|true",
            "switchover|pg0   |pg0 |false|false|false |same                  |switchover|false",
            "switchover|pg0   |pg0 |true |false|false |same                  |switchover|false",
            "switchover|pg0   |-   |false|false|false |-                     |switchover|false",
            "switchover|pg0   |pg1 |true |false|false |-                     |switchover|false",
            "switchover|pg0   |pg1 |false|false|true  |-                     |switchover|false",
            "failover  |-     |pg1 |false|false|true  |-                     |failover  |false",
    })
    void requestConditions(String action, String leader, String candidate, boolean scheduled, boolean badSchedule,
                           boolean paused, String answer, String effective, boolean warns) {
        Verdict v = ManualFailoverFeasibility.check(new Request(action, leader, candidate, scheduled), paused,
                badSchedule ? BAD_SCHEDULE : null);
        if (answer != null) assertThat(ANSWERS).containsKey(answer);
        assertThat(v.refusal()).isEqualTo(answer == null ? null : ANSWERS.get(answer));
        assertThat(v.action()).isEqualTo(effective);
        assertThat(v.warning()).isEqualTo(warns ? ManualFailoverFeasibility.FAILOVER_WITH_LEADER : null);
    }

    @Test
    void theWarningIsPatronis() {
        assertThat(ManualFailoverFeasibility.FAILOVER_WITH_LEADER)
                .isEqualTo("received failover request with leader specified - performing switchover instead");
    }

    @Test
    void onlySwitchoverAndFailoverAreRequests() {
        assertThatThrownBy(() -> new Request("restart", "pg0", null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("action must be switchover or failover, not restart");
    }

    // ---- is_failover_possible: pg0 leads pg1 and pg2 ----

    private static ClusterView cluster(String synchronousMode, Set<String> syncStandbys) {
        ClusterView c = (synchronousMode == null ? as("pg0") : as("pg0").config("synchronous_mode", synchronousMode))
                .input().cluster();
        SyncState sync = syncStandbys == null ? null : new SyncState(3, "pg0", syncStandbys, 1);
        return new ClusterView(c.initialize(), c.config(), c.leader(), c.status(), c.members(), c.failover(), sync,
                c.history(), c.failsafe());
    }

    /** Which members a request must ask, or its 412 message; {@code sync}: synchronous_mode (standby pg1). */
    @ParameterizedTest(name = "{0} leader={1} candidate={2} sync={3} -> {4}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            // action  |leader|cand|sync  |asked or 412 message
            "switchover|pg9   |pg1 |-     |leader name does not match",
            "failover  |pg9   |-   |-     |leader name does not match",
            "switchover|pg0   |pg2 |on    |candidate name does not match with sync_standby",
            "switchover|pg0   |pg1 |on    |[pg1]",
            "failover  |-     |pg2 |on    |[pg2]",
            // Regent refuses a switchover to a non-voter in quorum mode at once (Patroni 4: its leader refuses, 503)
            "switchover|pg0   |pg2 |quorum|candidate name does not match with sync_standby",
            "switchover|pg0   |pg1 |quorum|[pg1]",
            // a failover may go to any member (Patroni 4 too: the operator forces it)
            "failover  |-     |pg2 |quorum|[pg2]",
            "switchover|pg0   |-   |quorum|[pg1, pg2]",
            "switchover|pg0   |pg7 |-     |candidate does not exists",
            "failover  |-     |pg7 |-     |candidate does not exists",
            "switchover|pg0   |-   |on    |[pg1]",
            "switchover|pg0   |-   |-     |[pg1, pg2]",
            "switchover|-     |-   |-     |[pg1, pg2]",
    })
    void candidates(String action, String leader, String candidate, String sync, String expected) {
        Candidates c = ManualFailoverFeasibility.candidates(cluster(sync, Set.of("pg1")), leader, candidate, action);
        if (expected.startsWith("[")) {
            assertThat(c.refusal()).isNull();
            assertThat(c.toAsk().stream().map(Member::name).toList().toString()).isEqualTo(expected);
        } else {
            assertThat(c.refusal()).isEqualTo(new Refusal(412, expected));
            assertThat(c.toAsk()).isEmpty();
        }
    }

    @Test
    void strictSyncWithoutSyncStandbyHasNoCandidate() {
        Candidates c = ManualFailoverFeasibility.candidates(cluster("on", null), "pg0", null, "switchover");
        assertThat(c.refusal()).isEqualTo(new Refusal(412, "switchover is not possible: can not find sync_standby"));
        assertThat(ManualFailoverFeasibility.candidates(cluster("on", null), "pg0", "pg1", "switchover").refusal())
                .isEqualTo(new Refusal(412, "candidate name does not match with sync_standby"));
    }

    @Test
    void theSyncKeysOwnPrimaryIsNoCandidate() {
        // Patroni's SyncState.matches leaves the leader out: a healthy leader must not make its own switchover
        // feasible while its synchronous standby is gone
        Candidates c = ManualFailoverFeasibility.candidates(cluster("on", Set.of()), "pg0", null, "switchover");
        assertThat(c.refusal()).isEqualTo(new Refusal(412, "switchover is not possible: can not find sync_standby"));
        ClusterView staleSync = cluster("on", Set.of("pg1"));
        staleSync = new ClusterView(staleSync.initialize(), staleSync.config(), staleSync.leader(), staleSync.status(),
                staleSync.members(), null, new SyncState(3, "pg2", Set.of("pg1"), 1), staleSync.history(), null);
        assertThat(ManualFailoverFeasibility.candidates(staleSync, "pg0", "pg2", "switchover").refusal())
                .isEqualTo(new Refusal(412, "candidate name does not match with sync_standby"));
    }

    @Test
    void syncStandbyNamesCompareCaseInsensitively() {
        Candidates c = ManualFailoverFeasibility.candidates(cluster("on", Set.of("PG1")), "pg0", "pg1", "switchover");
        assertThat(c.refusal()).isNull();
        assertThat(c.toAsk()).extracting(Member::name).containsExactly("pg1");
    }

    @Test
    void anEmptySyncKeyListsNobody() {
        ClusterView c = cluster("on", Set.of("pg1"));
        ClusterView empty = new ClusterView(c.initialize(), c.config(), c.leader(), c.status(), c.members(), null,
                new SyncState(3, null, Set.of("pg1"), 0), c.history(), null);
        assertThat(ManualFailoverFeasibility.candidates(empty, "pg0", null, "switchover").refusal())
                .isEqualTo(new Refusal(412, "switchover is not possible: can not find sync_standby"));
    }

    @Test
    void aLeaderAloneHasNoCandidate() {
        ClusterView alone = as("pg0").withoutMember("pg1").withoutMember("pg2").input().cluster();
        assertThat(ManualFailoverFeasibility.candidates(alone, "pg0", null, "switchover").refusal()).isEqualTo(
                new Refusal(412, "switchover is not possible: cluster does not have members except leader"));
    }

    @Test
    void anUnlockedClusterRefusesANamedLeaderAndAsksEveryMember() {
        ClusterView unlocked = as("pg1").unlocked().input().cluster();
        assertThat(ManualFailoverFeasibility.candidates(unlocked, "pg0", "pg1", "switchover").refusal())
                .isEqualTo(new Refusal(412, "leader name does not match"));
        assertThat(ManualFailoverFeasibility.candidates(unlocked, null, "pg1", "failover").toAsk())
                .extracting(Member::name).containsExactly("pg1");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "reachable promotable           |true",
            "unreachable                    |false",
            "reachable nofailover           |false",
            "unreachable, reachable promotable|true",
            "none                           |false",
    })
    void judge(String answers, boolean feasible) {
        List<PeerStatus> statuses = switch (answers) {
            case "reachable promotable" -> List.of(new PeerStatus("pg1", true, false, 0, 1, 1, true));
            case "unreachable" -> List.of(PeerStatus.unreachable("pg1"));
            case "reachable nofailover" -> List.of(new PeerStatus("pg1", true, false, 0, 1, 0, true));
            case "unreachable, reachable promotable" -> List.of(PeerStatus.unreachable("pg1"),
                    new PeerStatus("pg2", true, false, 0, 1, 1, true));
            case "none" -> List.of();
            default -> throw new IllegalArgumentException(answers);
        };
        for (String action : List.of("switchover", "failover")) {
            assertThat(ManualFailoverFeasibility.judge(statuses, action)).isEqualTo(feasible ? null
                    : new Refusal(412, action + " is not possible: no good candidates have been found"));
        }
    }

    @Test
    void anExplicitNofailoverFalseWithPriorityZeroMayPromote() {
        assertThat(ManualFailoverFeasibility.judge(List.of(new PeerStatus("pg1", true, false, 0, 1, 0, true, false)),
                "switchover")).isNull();
    }
}
