package dev.regent.core.sync;

import static dev.regent.core.sync.SyncFixtures.config;
import static dev.regent.core.sync.SyncFixtures.member;
import static dev.regent.core.sync.SyncFixtures.sender;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.Member;
import dev.regent.core.model.SyncState;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyncCandidatesTest {
    private final List<Member> members = List.of(member("pg0", Map.of()), member("pg1", Map.of()),
            member("pg2", Map.of()), member("pg3", Map.of("nosync", true)),
            member("pg4", "stopped", Map.of()));

    @Test
    void picksBySyncStateThenPositionSkippingNosyncStoppedAndUnknown() {
        SyncFacts f = new SyncFacts("", "on", 100, List.of(sender("pg1", "async", 90), sender("pg2", "async", 95),
                sender("pg3", "async", 100), sender("pg4", "async", 100), sender("stranger", "async", 100)));
        SyncObservation o = SyncCandidates.observe(f, SyncReadiness.INITIAL, members, config("on"), "pg0");
        assertThat(o.active()).containsExactly("pg2");
        o = SyncCandidates.observe(f, SyncReadiness.INITIAL, members, config("on", "synchronous_node_count", 2),
                "pg0");
        assertThat(o.active()).containsExactlyInAnyOrder("pg1", "pg2");
        // the synchronous standby keeps its place although an async one is ahead
        f = new SyncFacts("pg1", "on", 100, List.of(sender("pg1", "sync", 90), sender("pg2", "async", 95)));
        assertThat(SyncCandidates.observe(f, SyncReadiness.INITIAL, members, config("on"), "pg0").active())
                .containsExactly("pg1");
    }

    @Test
    void syncPriorityWinsAndZeroPriorityNeverSyncs() {
        List<Member> ms = List.of(member("pg1", Map.of("sync_priority", 1)), member("pg2", Map.of("sync_priority", 2)),
                member("pg3", Map.of("sync_priority", 0)));
        SyncFacts f = new SyncFacts("", "on", 100, List.of(sender("pg1", "async", 100), sender("pg2", "async", 50),
                sender("pg3", "async", 100)));
        assertThat(SyncCandidates.observe(f, SyncReadiness.INITIAL, ms, config("on"), "pg0").active())
                .containsExactly("pg2");
        assertThat(SyncCandidates.observe(f, SyncReadiness.INITIAL, ms, config("quorum"), "pg0").active())
                .containsExactlyInAnyOrder("pg1", "pg2");
    }

    @Test
    void maximumLagOnSyncnodeSkipsALaggingStandby() {
        SyncFacts f = new SyncFacts("pg1", "remote_apply", 1000, List.of(
                new WalSender(1, "pg1", "sync", 1000L, 1000L, 100L), new WalSender(2, "pg2", "async", 990L, 990L,
                        990L)));
        var cfg = config("on", "maximum_lag_on_syncnode", 500);
        assertThat(SyncCandidates.observe(f, SyncReadiness.INITIAL, members, cfg, "pg0").active())
                .as("replay LSN under remote_apply").containsExactly("pg2");
        var flush = new SyncFacts("pg1", "on", 1000, f.senders());
        assertThat(SyncCandidates.observe(flush, SyncReadiness.INITIAL, members, cfg, "pg0").active())
                .as("flush LSN otherwise").containsExactly("pg1");
    }

    @Test
    void confirmedOnlyOnceListedSynchronousAndCaughtUpWithTheChange() {
        SyncReadiness r = SyncReadiness.INITIAL;
        SyncFacts listed = new SyncFacts("pg1", "on", 200, List.of(sender("pg1", "sync", 150)));
        r = r.next(listed, null, false);
        assertThat(r.changed()).isTrue();
        assertThat(r.flushLsnAtChange()).isEqualTo(200);
        assertThat(SyncCandidates.observe(listed, r, members, config("on"), "pg0").confirmed()).isEmpty();
        SyncFacts caughtUp = new SyncFacts("pg1", "on", 250, List.of(sender("pg1", "sync", 200)));
        r = r.next(caughtUp, null, false);
        assertThat(r.changed()).isFalse();
        assertThat(SyncCandidates.observe(caughtUp, r, members, config("on"), "pg0").confirmed())
                .containsExactly("pg1");
        // a new value starts over, except for standbys published in /sync (on mode)
        SyncFacts two = new SyncFacts("2 (pg1,pg2)", "on", 300, List.of(sender("pg1", "sync", 250),
                sender("pg2", "sync", 300)));
        SyncReadiness without = r.next(two, null, false);
        assertThat(without.ready()).containsExactly("pg2");
        SyncReadiness with = r.next(two, new SyncState(1, "pg0", Set.of("pg1"), 0), false);
        assertThat(with.ready()).containsExactlyInAnyOrder("pg1", "pg2");
        // quorum mode needs the quorum state
        SyncReadiness q = SyncReadiness.INITIAL.next(new SyncFacts("ANY 1 (pg1,pg2)", "on", 10,
                List.of(sender("pg1", "quorum", 10), sender("pg2", "sync", 10))), null, true);
        assertThat(q.ready()).containsExactly("pg1");
        // switched from on to quorum: the priority form still in force, its synchronous standby is confirmed
        SyncReadiness switched = SyncReadiness.INITIAL.next(new SyncFacts("pg1", "on", 10,
                List.of(sender("pg1", "sync", 10), sender("pg2", "async", 10))), null, true);
        assertThat(switched.ready()).containsExactly("pg1");
    }
}
