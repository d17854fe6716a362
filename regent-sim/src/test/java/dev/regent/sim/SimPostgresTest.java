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

    @Test
    void operationsFailAsPostgresWould() {
        assertThatThrownBy(() -> a.start(true, null)).isInstanceOf(SimPostgres.PgFailure.class);
        assertThatThrownBy(() -> b.cloneFrom(a)).isInstanceOf(SimPostgres.PgFailure.class);
        assertThat(a.observe().dataDirEmpty()).isTrue();
        assertThatThrownBy(() -> a.write(1)).isInstanceOf(IllegalStateException.class);
    }
}
