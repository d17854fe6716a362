package dev.regent.dcs.raft;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Deterministic time semantics of the replicated state: expiry advances only through stamped commands. */
class KvStateTest {

    private static Command put(String key, long session, long ttl, long now) {
        return new Command("put", key, "v", null, 0, session, ttl, now);
    }

    private static Command tick(long now) {
        return Command.of("tick", null).withNow(now);
    }

    @Test
    void sessionsExpireOnlyWhenAStampPassesTheirDeadline() {
        KvState s = new KvState();
        long session = s.apply(put("/leader", 0, 1_000, 10_000)).session();
        s.apply(tick(10_999));
        assertThat(s.range("/")).hasSize(1);
        assertThat(s.anyExpiredAt(11_000)).isTrue();
        s.apply(tick(11_000));
        assertThat(s.range("/")).isEmpty();
        assertThat(s.apply(put("/leader", session, 1_000, 11_001)).session()).as("new session").isNotEqualTo(session);
    }

    @Test
    void aLaggingLeaderClockNeverMovesTimeBackwards() {
        KvState s = new KvState();
        s.apply(tick(50_000));
        s.apply(put("/member", 0, 1_000, 40_000));  // new leader 10 s behind: deadline counts from 50 s
        s.apply(tick(50_999));
        assertThat(s.range("/")).hasSize(1);
        s.apply(tick(51_000));
        assertThat(s.range("/")).isEmpty();
    }

    @Test
    void replicasApplyingTheSameLogAgree() {
        KvState a = new KvState();
        KvState b = new KvState();
        Command[] log = {put("/a", 0, 500, 1_000), put("/b", 0, 0, 1_200), tick(1_600), put("/c", 0, 500, 1_700)};
        for (Command c : log) {
            a.apply(c);
            b.apply(c);
        }
        assertThat(a.range("/")).isEqualTo(b.range("/"));
        assertThat(a.revision()).isEqualTo(b.revision());
        KvState restored = new KvState();
        restored.restore(a.snapshot());
        assertThat(restored.range("/")).isEqualTo(a.range("/"));
        assertThat(restored.changedSince("/", a.revision() - 1)).as("older than the snapshot: a change")
                .isTrue();
    }
}
