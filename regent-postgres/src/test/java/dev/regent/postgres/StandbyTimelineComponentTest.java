package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.Await;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Real PostgreSQL 15: a standby that switched to its upstream's new timeline and replays past the switch point, then
 * loses its upstream, still has the old timeline in pg_control until its next restartpoint. The status query can
 * only report that one; {@link Postgresql#observe()} reports the timeline it replays (IDENTIFY_SYSTEM), as Patroni
 * does. With the stale one, the divergence rule saw "timeline 1, replayed past where timeline 1 ended" and rewound a
 * healthy replica (PauseEndToEndTest, MixedClusterTest). The same replication connection reads a remote primary's
 * timeline and history for a standby leader's rewind check.
 */
class StandbyTimelineComponentTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aStandbyThatStoppedStreamingReportsTheTimelineItReplays() throws Exception {
        try (PgTestNodes nodes = new PgTestNodes()) {
            Postgresql a = nodes.node("tl-a");
            Postgresql b = nodes.node("tl-b");
            a.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
            a.writeConfig(Role.PRIMARY, null, null);
            assertThat(a.start(PgTestNodes.timeout())).isTrue();
            a.createUsers();
            a.connection().execute("CREATE TABLE t AS SELECT 1 AS v");
            b.basebackup(a.connUrl(), PgTestNodes.timeout());
            b.writeConfig(Role.REPLICA, a.connUrl(), null);
            assertThat(b.start(PgTestNodes.timeout())).isTrue();
            Await.until("tl-b streams timeline 1", WAIT, () -> "streaming".equals(b.status().replicationState()));

            // tl-a restarts as a standby and is promoted to timeline 2; tl-b follows it there and replays past the
            // switch point.
            assertThat(a.stop(StopMode.FAST, PgTestNodes.timeout())).isTrue();
            a.writeConfig(Role.REPLICA, null, null);
            assertThat(a.start(PgTestNodes.timeout())).isTrue();
            assertThat(a.promote(PgTestNodes.timeout())).isNotNull();
            a.connection().execute("INSERT INTO t VALUES (2)");
            long written = a.status().walPosition();
            Await.until("tl-b streams timeline 2 past the switch", WAIT, () -> {
                PgStatus s = b.status();
                return "streaming".equals(s.replicationState()) && s.timeline() == 2 && s.replayLsn() >= written;
            });
            // a standby leader's rewind check reads its remote primary's timeline and history over a replication
            // connection: here tl-a, listed after a host that refuses connections
            int port = PgHosts.parse(a.connUrl()).servers().get(0).getValue();
            TimelineHistoryFile.OfServer remote = b.remoteTimeline("postgres://127.0.0.2:" + port + ",127.0.0.1:"
                    + port + "/postgres");
            assertThat(remote.timeline()).isEqualTo(2);
            assertThat(remote.lines()).hasSize(1);
            assertThat(remote.lines().get(0).parentTimeline()).isEqualTo(1);
            assertThat(remote.lines().get(0).switchpoint()).isLessThanOrEqualTo(written);
            assertThat(b.remoteTimeline(b.connUrl()).timeline()).as("a standby answers with its own").isEqualTo(2);
            assertThat(b.controlData().timeline()).as("no restartpoint since the switch: pg_control says 1")
                    .isEqualTo(1);
            PgConnection.WalNow streamingNow = b.walNow();
            assertThat(streamingNow.streaming()).as("GET /patroni's live read sees the stream").isTrue();
            assertThat(streamingNow.timeline()).isEqualTo(2);

            assertThat(a.stop(StopMode.IMMEDIATE, PgTestNodes.timeout())).isTrue();
            Await.until("tl-b stopped streaming", WAIT, () -> !"streaming".equals(b.status().replicationState()));
            assertThat(b.status().timeline()).as("the status query's checkpoint timeline").isEqualTo(1);
            PgConnection.WalNow stalledNow = b.walNow();
            assertThat(stalledNow.streaming()).as("the live read knows its timeline is pg_control's").isFalse();
            assertThat(stalledNow.timeline()).isEqualTo(1);
            assertThat(b.observe().timeline()).as("the timeline tl-b replays").isEqualTo(2);
            assertThat(b.observe().timelineStartLsn()).as("where its timeline 2 began").isNotNull()
                    .isLessThanOrEqualTo(written).isEqualTo(remote.lines().get(0).switchpoint());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.remoteTimeline(a.connUrl()))
                    .as("the remote is down").isInstanceOf(PostgresException.class)
                    .hasMessageContaining("over a replication connection failed");
        }
    }
}
