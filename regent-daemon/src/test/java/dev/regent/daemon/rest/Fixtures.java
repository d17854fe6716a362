package dev.regent.daemon.rest;

import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterStatus;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Leader;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import dev.regent.core.model.SyncState;
import dev.regent.core.model.TimelineHistory;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builders for cluster views and node snapshots used by the REST tests. Time 1_000_000 is "now". */
final class Fixtures {
    static final long NOW = 1_000_000L;

    private Fixtures() {}

    static Member member(String name, String role, Long xlog, Map<String, Object> tags) {
        MemberData d = new MemberData("postgres://127.0.0.1:" + (5432 + name.charAt(name.length() - 1) - '0')
                + "/postgres", "http://127.0.0.1:8008/patroni", null, "running", role, "4.1.4", xlog,
                "replica".equals(role) ? xlog : null, "replica".equals(role) ? xlog : null,
                "replica".equals(role) ? "streaming" : null, 2, tags, null, null, null, null, false, null);
        return new Member(name, 1, null, d);
    }

    /** pg0 leader at LSN 0x3000060, pg1 and pg2 streaming replicas; config {@code ttl: 30}. */
    static ClusterView cluster(Map<String, Object> config, SyncState sync) {
        List<Member> members = List.of(member("pg0", "primary", 0x3000060L, Map.of()),
                member("pg1", "replica", 0x3000000L, Map.of("nofailover", false)),
                member("pg2", "replica", null, Map.of()));
        return new ClusterView("7000000000000000001", new ClusterConfig(5, config),
                new Leader("pg0", 10, null, members.get(0)), new ClusterStatus(0x3000060L, Map.of(), List.of()),
                members, null, sync, new TimelineHistory(1, List.of(
                        new TimelineHistory.Entry(1, 0x3000028L, "no recovery target specified",
                                "2024-08-28T19:39:26.352526+00:00", "pg0"))), null);
    }

    static ClusterView cluster() {
        return cluster(Map.of("ttl", 30, "loop_wait", 10, "postgresql", Map.of("parameters",
                Map.of("max_connections", 100))), null);
    }

    static ClusterView syncCluster(String mode) {
        return cluster(Map.of("synchronous_mode", mode), new SyncState(3, "pg0", Set.of("pg1"), 1));
    }

    static NodeStatus.PgDetails primaryPg() {
        return new NodeStatus.PgDetails(Instant.parse("2024-08-28T19:39:26.352526Z"), 150004, false, 0x3000060L,
                null, null, null, false, null, 2, null, List.of(new NodeStatus.WalSender("replicator", "pg1",
                "127.0.0.1", "streaming", "async", 0)));
    }

    static NodeStatus.PgDetails replicaPg(long replayed) {
        return new NodeStatus.PgDetails(Instant.parse("2024-08-28T19:39:26Z"), 150004, true, 0, replayed + 16,
                replayed, Instant.parse("2024-08-28T19:40:00.5Z"), false, null, 2, "streaming", List.of());
    }

    /** pg0, running primary holding a valid lock, fresh cluster view. */
    static NodeStatus primary() {
        return NodeStatus.builder("batman", "pg0").state("running").role("primary").pg(primaryPg())
                .leaderLock(true, NOW + 20_000).cluster(cluster(), NOW + 20_000).nextCycleAt(NOW + 10_000)
                .dcsLastSeen(1724873966L).systemIdentifier("7000000000000000001").build();
    }

    /** pg1, streaming replica fully caught up, fresh cluster view. */
    static NodeStatus replica() {
        return replicaBuilder(cluster()).build();
    }

    static NodeStatusBuilder replicaBuilder(ClusterView view) {
        return NodeStatus.builder("batman", "pg1").state("running").role("replica").pg(replicaPg(0x3000060L))
                .cluster(view, NOW + 20_000).nextCycleAt(NOW + 10_000).dcsLastSeen(1724873966L)
                .tags(Map.of("nofailover", false, "zone", "a"));
    }

    /** pg0 with postgres stopped (crashed) but still holding a valid lock. */
    static NodeStatus stoppedLeader() {
        return NodeStatus.builder("batman", "pg0").state("crashed").role("primary").leaderLock(true, NOW + 20_000)
                .cluster(cluster(), NOW + 20_000).nextCycleAt(NOW + 10_000).build();
    }
}
