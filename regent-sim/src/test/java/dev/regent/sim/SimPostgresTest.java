package dev.regent.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.core.ha.LocalPostgres;
import org.junit.jupiter.api.Test;

class SimPostgresTest {
    private final SimPostgres a = new SimPostgres("n0");
    private final SimPostgres b = new SimPostgres("n1");

    private void primaryAndReplica() throws Exception {
        a.initdb("7000", 1);
        b.cloneFrom(a);
        b.start(false, "n0");
        b.streamFrom(a, false);
    }

    @Test
    void aReplicaStreamsItsUpstreamsWalAndStallsWhenToldTo() throws Exception {
        primaryAndReplica();
        long lsn = a.write(1000);
        b.streamFrom(a, true);
        assertThat(b.wal().end()).isLessThan(lsn);
        assertThat(b.observe().replicationState()).isEqualTo("streaming");
        b.streamFrom(a, false);
        assertThat(b.wal().end()).isEqualTo(lsn);
        LocalPostgres o = b.observe();
        assertThat(o.isReplica()).isTrue();
        assertThat(o.followedMember()).isEqualTo("n0");
        assertThat(o.walPosition()).isEqualTo(lsn);
    }

    @Test
    void aPromotionStartsANewTimelineThatTheOldPrimaryCannotFollowAfterWritingPastTheFork() throws Exception {
        primaryAndReplica();
        b.promote(2);
        assertThat(b.acceptsWrites()).isTrue();
        assertThat(b.wal().timeline()).isEqualTo(2);
        long lost = a.write(500);  // the old primary wrote on after the fork: diverged
        a.crash();
        assertThat(a.observe().controlState()).isEqualTo("in production");
        assertThat(a.observe().wasPrimaryWhenStopped()).isTrue();
        a.start(false, "n1");
        a.streamFrom(b, false);
        assertThat(a.streaming()).isFalse();
        assertThat(a.observe().replicationState()).isEqualTo("in archive recovery");
        a.stop();
        a.rewind(b);
        a.start(false, "n1");
        a.streamFrom(b, false);
        assertThat(a.streaming()).isTrue();
        assertThat(a.wal().timeline()).isEqualTo(2);
        assertThat(a.wal().contains(1, lost)).isFalse();
    }

    @Test
    void aReplicaAtTheForkPointFollowsTheNewTimeline() throws Exception {
        SimPostgres c = new SimPostgres("n2");
        primaryAndReplica();
        c.cloneFrom(a);
        c.start(false, "n0");
        long committed = a.write(100);
        b.streamFrom(a, false);
        c.streamFrom(a, false);
        a.stop();
        b.promote(2);
        c.follow("n1");
        c.streamFrom(b, false);
        assertThat(c.streaming()).isTrue();
        assertThat(c.wal().timeline()).isEqualTo(2);
        assertThat(c.wal().contains(1, committed)).isTrue();
    }

    /**
     * n1 and then n0 promote the same WAL to timeline 2 (a switchover and its reversal before n0 followed): n2 took n1's
     * switch but nothing written after it, so it holds the same history file as n0's timeline 2 and follows n0; once
     * it received a record of n1's timeline 2 it cannot.
     */
    @Test
    void aTimelineOfTheSameNumberAndForkPointIsFollowedUntilItHasRecordsOfItsOwn() throws Exception {
        SimPostgres c = new SimPostgres("n2");
        primaryAndReplica();
        c.cloneFrom(a);
        c.start(false, "n0");
        a.stop();
        b.promote(2);
        c.follow("n1");
        c.streamFrom(b, false);
        assertThat(c.wal().timeline()).isEqualTo(2);
        b.stop();
        a.start(false, "n1");
        a.promote(3);
        c.follow("n0");
        c.streamFrom(a, false);
        assertThat(c.streaming()).as("same timeline 2 forked at the same point, no record of n1's on it").isTrue();
        assertThat(c.wal().last().uid()).isEqualTo(3);

        long own = a.write(10);
        c.streamFrom(a, false);  // now c holds a record of n0's timeline 2
        Wal otherTimeline2 = new Wal(java.util.List.of(c.wal().segments().get(0),
                new Wal.Segment(99, 2, c.wal().last().start(), own + 5)));
        assertThat(c.wal().isPrefixOf(otherTimeline2)).as("records of its own on timeline 2").isFalse();
    }

    @Test
    void operationsFailAsPostgresWould() {
        assertThatThrownBy(() -> a.start(true, null)).isInstanceOf(SimPostgres.PgFailure.class);
        assertThatThrownBy(() -> b.cloneFrom(a)).isInstanceOf(SimPostgres.PgFailure.class);
        assertThat(a.observe().dataDirEmpty()).isTrue();
        assertThatThrownBy(() -> a.write(1)).isInstanceOf(IllegalStateException.class);
    }
}
