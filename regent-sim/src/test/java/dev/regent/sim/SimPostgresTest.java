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

    /**
     * A killed primary is observed as pg_waldump reads it: its last record begins before the end of its WAL (the
     * simulator's positions are record ends), and where its timeline began; a cleanly stopped one, a killed replica
     * and a running primary carry neither (DivergenceRule then leaves the decision to pg_rewind).
     */
    @Test
    void aKilledPrimaryIsObservedWithItsLastRecordAndWhereItsTimelineBegan() throws Exception {
        primaryAndReplica();
        long end = a.write(700);
        assertThat(a.observe().lastWalRecord()).as("running").isNull();
        a.crash();
        LocalPostgres killed = a.observe();
        assertThat(killed.lastWalRecord()).isEqualTo(end - 1);
        assertThat(killed.timelineStartLsn()).as("timeline 1 has no history file").isNull();
        b.crash();
        assertThat(b.observe().lastWalRecord()).as("a killed replica").isNull();
        b.start(false, null);
        b.promote(2);
        long end2 = b.write(300);
        b.crash();
        assertThat(b.observe().lastWalRecord()).isEqualTo(end2 - 1);
        assertThat(b.observe().timelineStartLsn()).isEqualTo(b.wal().last().start());
        b.start(true, null);
        b.stop();
        assertThat(b.observe().lastWalRecord()).as("a clean shutdown").isNull();
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

    /** A rewind's source check fails against a dead, unreachable or in-recovery source, and stops nothing. */
    @Test
    void aRewindSourceMustRunAndAcceptWrites() throws Exception {
        primaryAndReplica();
        b.checkRewindSource(a);
        assertThatThrownBy(() -> b.checkRewindSource(null)).hasMessageStartingWith("not accessible or not healthy");
        assertThatThrownBy(() -> a.checkRewindSource(b))
                .hasMessage("Leader is still in_recovery and therefore can't be used for rewind");
        a.crash();
        assertThatThrownBy(() -> b.checkRewindSource(a)).hasMessageStartingWith("not accessible or not healthy");
        assertThat(b.running()).as("the replica keeps running").isTrue();
        assertThat(b.observe().isReplica()).isTrue();
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
     * n1 promotes 1 to 2 and is lost; n2 followed it and received its end-of-recovery record on 2. n0, still on 1,
     * never received 2's history file: promoting, PostgreSQL would pick 2 again, a timeline n2 can never tell apart.
     * With 2's history file written first (as the shell does), n0 picks 3; n2 is on an orphan timeline past the fork
     * point, and pg_rewind brings it onto 3.
     */
    @Test
    void aPromotionSkipsTheTimelinesWhoseHistoryFilesItHolds() throws Exception {
        SimPostgres c = new SimPostgres("n2");
        primaryAndReplica();
        c.cloneFrom(a);
        c.start(false, "n0");
        a.stop();
        b.promote(2);
        c.follow("n1");
        c.streamFrom(b, false);
        assertThat(c.wal().timeline()).isEqualTo(2);
        assertThat(c.wal().end()).as("the end-of-recovery record").isGreaterThan(c.wal().last().start());
        b.crash();

        a.start(false, "n1");
        assertThat(a.hasHistoryFile(2)).isFalse();
        a.addHistoryFile(2);
        a.promote(3);
        assertThat(a.wal().timeline()).as("newest history file + 1").isEqualTo(3);
        assertThat(a.timelineSwitch(3)).containsExactly(1, c.wal().last().start());

        c.follow("n0");
        c.streamFrom(a, false);
        assertThat(c.streaming()).isFalse();
        assertThat(c.hasHistoryFile(3)).as("fetched from the upstream before failing").isTrue();
        c.stop();
        assertThat(c.rewind(a)).as("its WAL went past the fork point").isTrue();
        c.start(false, "n0");
        c.streamFrom(a, false);
        assertThat(c.streaming()).isTrue();
        assertThat(c.wal().timeline()).isEqualTo(3);
    }

    /** pg_rewind 15 finds no rewind required on the same timeline number, or when the target's WAL ends at the fork. */
    @Test
    void pgRewindFindsNoRewindRequiredAsPostgresDoes() throws Exception {
        primaryAndReplica();
        b.stop();
        Wal before = b.wal();
        assertThat(b.rewind(a)).as("same timeline").isFalse();
        assertThat(b.wal()).isEqualTo(before);
        b.start(false, "n0");
        a.stop();
        a.start(false, null);
        a.promote(2);
        b.stop();
        assertThat(b.rewind(a)).as("behind the fork point on its parent timeline").isFalse();
        assertThat(b.wal()).isEqualTo(before);
        b.start(false, "n0");
        b.streamFrom(a, false);
        assertThat(b.streaming()).isTrue();
    }

    @Test
    void operationsFailAsPostgresWould() {
        assertThatThrownBy(() -> a.start(true, null)).isInstanceOf(SimPostgres.PgFailure.class);
        assertThatThrownBy(() -> b.cloneFrom(a)).isInstanceOf(SimPostgres.PgFailure.class);
        assertThat(a.observe().dataDirEmpty()).isTrue();
        assertThatThrownBy(() -> a.write(1)).isInstanceOf(IllegalStateException.class);
    }
}
