package dev.regent.core.ledger;

import dev.regent.core.ha.Decision;
import dev.regent.core.ha.HaInput;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.PeerStatus;
import dev.regent.core.ha.action.Action;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.Member;
import dev.regent.core.model.Tags;
import dev.regent.core.sync.SyncMode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The words of a ledger entry: its headline, the reasons built from the inputs that mattered, and those inputs as a
 * JSON-ready tree. Pure.
 */
final class Explanation {
    /** The follow target "the remote primary of a standby cluster". */
    static final String REMOTE = "<remote primary>";

    private Explanation() {}

    static String headline(DecisionKind kind, HaInput in, Decision d, Action failed, String newFollow) {
        String me = in.settings().name();
        List<Action> acts = d.actions();
        return switch (kind) {
            case LEADER_RACE_WON -> me + " won the leader race" + (DecisionLedger.has(acts, Action.Promote.class)
                    ? " and promoted itself" : in.postgres().isPrimary() ? " and kept running as primary" : "");
            case LEADER_RACE_LOST -> failed instanceof Action.AcquireLeaderLock
                    ? me + " lost the leader race (another member took the lock first)"
                    : me + " stood back in the leader race";
            case PROMOTE -> me + " promoted itself under its leader lock";
            case DEMOTE -> me + " demoted (" + mode(acts) + ") after: " + d.message();
            case LOCK_LOST -> me + " lost its leader lock: " + d.message();
            case SWITCHOVER -> switchover(me, in, d);
            case RELEASE -> me + " released the leader lock: " + d.message();
            case REWIND -> me + " rewinds from " + DecisionLedger.first(acts, Action.Rewind.class).sourceMember();
            case REINITIALIZE -> me + " reinitializes from "
                    + orNobody(DecisionLedger.first(acts, Action.Reinitialize.class).fromMember());
            case BOOTSTRAP -> failed instanceof Action.CancelStaleInitialize
                    ? me + " left the bootstrap placeholder: it changed before the removal"
                    : DecisionLedger.has(acts, Action.CancelStaleInitialize.class)
                    ? me + " removed a bootstrap placeholder nobody completed (" + d.message() + ")"
                    : failed instanceof Action.RaceInitialize
                    ? me + " lost the bootstrap race (another member initializes the cluster)"
                    : me + " bootstraps a new cluster";
            case CLONE -> me + " creates a replica from "
                    + orNobody(DecisionLedger.first(acts, Action.CloneReplica.class).fromMember());
            case RESTART -> me + " restarts postgres: " + d.message();
            case START -> start(me, DecisionLedger.first(acts, Action.StartPostgres.class)) + " (" + d.message()
                    + ")";
            case FOLLOW -> me + " now streams from " + followWords(newFollow);
            case SYNC -> me + " changes synchronous replication";
            case PAUSE -> me + " saw the cluster paused (no automatic failover)";
            case RESUME -> me + " saw the cluster resumed (automatic failover again)";
            case FAILSAFE -> me + " keeps leading in failsafe mode without the DCS: " + d.message();
            case FATAL -> me + " stops: " + d.message();
        };
    }

    /** The reasons of an entry; a mutable list the caller may extend. */
    static List<String> reasons(DecisionKind kind, LedgerState prev, HaInput in, Decision d, String newFollow) {
        List<String> out = new ArrayList<>();
        switch (kind) {
            case LEADER_RACE_WON -> raceWon(out, prev, in);
            case LEADER_RACE_LOST -> raceLost(out, prev, in);
            case FOLLOW -> {
                String before = prev.followTarget() != null ? prev.followTarget() : in.postgres().followedMember();
                if (before != null) out.add("it streamed from " + followWords(before) + " before");
                if (in.cluster() != null && in.cluster().leader() != null) {
                    out.add(in.cluster().leader().name() + " holds the leader lock");
                }
            }
            case SYNC -> {
                for (Action a : d.actions()) {
                    if (a instanceof Action.ManageSync m) m.steps().forEach(s -> out.add(stepWords(s)));
                }
            }
            default -> { }
        }
        out.addAll(d.infos());
        out.addAll(d.warnings());
        return out;
    }

    private static void raceWon(List<String> out, LedgerState prev, HaInput in) {
        String me = in.settings().name();
        out.add(lockGone(prev, in));
        Failover f = in.cluster().failover();
        if (f != null) out.add(failoverWords(f));
        long myWal = in.postgres().walPosition();
        out.add("my WAL " + lsn(myWal) + " on timeline " + in.postgres().timeline());
        for (PeerStatus p : new TreeMap<>(in.peers()).values()) {
            if (p.name().equals(me)) continue;
            out.add(peerWords(p, in, myWal));
        }
    }

    private static void raceLost(List<String> out, LedgerState prev, HaInput in) {
        out.add(lockGone(prev, in));
        Failover f = in.cluster().failover();
        if (f != null) out.add(failoverWords(f));
        if (Tags.noFailover(in.settings().tags())) out.add("my tags forbid promotion (nofailover)");
        long myWal = in.postgres().walPosition();
        long optime = in.cluster().status().optime();
        long maxLag = config(in).maximumLagOnFailover();
        if (optime - myWal > maxLag) {
            out.add("my WAL lagged " + bytes(optime - myWal) + " > maximum_lag_on_failover (" + bytes(maxLag) + ")");
        }
        for (PeerStatus p : new TreeMap<>(in.peers()).values()) {
            if (p.reachable() && p.walPosition() > myWal && !p.name().equals(in.settings().name())) {
                out.add(p.name() + " was " + bytes(p.walPosition() - myWal) + " ahead of my WAL " + lsn(myWal));
            }
        }
    }

    /** Who held the lock before it was found gone, and when it was last seen held. */
    private static String lockGone(LedgerState prev, HaInput in) {
        int ttl = in.settings().ttlSeconds();
        if (prev.lastLeader() == null) return "the cluster had no leader lock";
        String owner = prev.lastLeader().equals(in.settings().name()) ? "my own" : prev.lastLeader() + "'s";
        return owner + " leader lock was gone (last seen held at " + time(prev.lastLeaderSeenAt()) + ", ttl " + ttl
                + " s)";
    }

    private static String peerWords(PeerStatus p, HaInput in, long myWal) {
        if (!p.reachable()) return p.name() + " did not answer";
        // a member between stop and start (a leader that just stepped down) publishes no WAL position to compare
        if (!p.running()) return p.name() + " did not run postgres";
        long optime = in.cluster().status().optime();
        long maxLag = config(in).maximumLagOnFailover();
        String tl = p.timeline() > 0 && p.timeline() != in.postgres().timeline() ? " on timeline " + p.timeline() : "";
        if (p.noFailover()) return p.name() + " may not be promoted (nofailover)" + tl;
        if (optime - p.walPosition() > maxLag) {
            return p.name() + " lagged " + bytes(optime - p.walPosition()) + " > maximum_lag_on_failover ("
                    + bytes(maxLag) + ")" + tl;
        }
        if (p.walPosition() < myWal) return p.name() + " was " + bytes(myWal - p.walPosition()) + " behind me" + tl;
        if (p.walPosition() > myWal) return p.name() + " was " + bytes(p.walPosition() - myWal) + " ahead of me" + tl;
        return p.name() + " was at the same WAL position with failover priority " + p.failoverPriority() + tl;
    }

    private static String failoverWords(Failover f) {
        String to = f.candidate() == null || f.candidate().isEmpty() ? "any healthy member" : f.candidate();
        String from = f.leader() == null || f.leader().isEmpty() ? "" : " from " + f.leader();
        return "a " + f.actionName() + from + " to " + to + " was requested"
                + (f.scheduledAt() == null ? "" : " for " + f.scheduledAt());
    }

    private static String switchover(String me, HaInput in, Decision d) {
        Failover f = in.cluster() == null ? null : in.cluster().failover();
        Action.Demote demote = DecisionLedger.first(d.actions(), Action.Demote.class);
        if (demote != null && f != null) {
            String to = demote.followMember() != null ? demote.followMember() : f.candidate();
            return me + " stepped down for a " + f.actionName() + " to " + orNobody(to) + " (" + failoverWords(f) + ")";
        }
        if (DecisionLedger.has(d.actions(), Action.WaitUntil.class) && f != null) {
            return me + " waits for the scheduled " + f.actionName() + ": " + d.message();
        }
        return me + " handled a " + (f == null ? "switchover" : f.actionName()) + ": " + d.message();
    }

    private static String start(String me, Action.StartPostgres s) {
        if (s.asPrimary()) return me + " starts postgres as primary";
        String follow = s.followMember() == null ? (s.standby() != null ? REMOTE : "") : s.followMember();
        return me + " starts postgres as a replica of " + followWords(follow);
    }

    private static String mode(List<Action> acts) {
        Action.Demote dm = DecisionLedger.first(acts, Action.Demote.class);
        return dm.mode().name().toLowerCase(Locale.ROOT);
    }

    private static String stepWords(dev.regent.core.sync.SyncStep s) {
        if (s instanceof dev.regent.core.sync.SyncStep.WriteSync w) return w.message();
        if (s instanceof dev.regent.core.sync.SyncStep.DeleteSync del) return del.message();
        if (s instanceof dev.regent.core.sync.SyncStep.SetStandbyNames n) return n.message();
        return s.toString();
    }

    /** Where a {@code Follow} streams from: a member, {@code ""} nobody, {@link #REMOTE}. */
    static String target(Action.Follow f) {
        if (f.remote()) return REMOTE;
        return f.leaderMember() == null ? "" : f.leaderMember();
    }

    private static String followWords(String target) {
        if (target == null || target.isEmpty()) return "nobody (WAL from the archive only)";
        return target.equals(REMOTE) ? "the remote primary" : target;
    }

    private static String orNobody(String member) {
        return member == null ? "no member" : member;
    }

    /** An action as the entry lists it (slot maps and failsafe topologies shortened). */
    static String describe(Action a) {
        if (a instanceof Action.SyncReplicationSlots s) return "SyncReplicationSlots" + s.slots();
        if (a instanceof Action.WriteFailsafe w) return "WriteFailsafe" + w.topology().keySet();
        return a.toString();
    }

    /** The inputs that mattered, as a JSON-ready tree. */
    static Map<String, Object> inputs(LedgerState prev, HaInput in) {
        Map<String, Object> m = new LinkedHashMap<>();
        ClusterView cl = in.cluster();
        ClusterConfig config = config(in);
        Map<String, Object> lock = new LinkedHashMap<>();
        lock.put("owner", cl == null ? null : cl.leader() == null ? null : cl.leader().name());
        lock.put("dcs_readable", cl != null);
        lock.put("last_owner", prev.lastLeader());
        lock.put("last_owner_seen_at", prev.lastLeaderSeenAt() == 0 ? null : time(prev.lastLeaderSeenAt()));
        lock.put("ttl", in.settings().ttlSeconds());
        if (in.memory().wasLeader()) {
            lock.put("my_lock_expires_in_ms", Math.max(0, in.memory().lockValidUntil() - in.nowMillis()));
        }
        m.put("lock", lock);
        LocalPostgres pg = in.postgres();
        Map<String, Object> me = new LinkedHashMap<>();
        me.put("state", pg.process().name().toLowerCase(Locale.ROOT));
        me.put("role", pg.isPrimary() ? "primary" : pg.isReplica() ? "replica" : null);
        me.put("wal", lsn(pg.walPosition()));
        me.put("timeline", pg.timeline());
        if (pg.followedMember() != null) me.put("following", pg.followedMember());
        if (in.backgroundTask() != null) me.put("background_task", in.backgroundTask());
        m.put("me", me);
        if (cl != null) {
            m.put("leader_optime", lsn(cl.status().optime()));
            m.put("cluster_timeline", cl.timeline());
        }
        m.put("maximum_lag_on_failover", config.maximumLagOnFailover());
        m.put("members", members(in));
        m.put("tags", new TreeMap<>(in.settings().tags()));
        Map<String, Object> sync = new LinkedHashMap<>();
        sync.put("mode", SyncMode.of(config).name().toLowerCase(Locale.ROOT));
        if (cl != null && cl.sync() != null) {
            sync.put("leader", cl.sync().leader());
            sync.put("standbys", List.copyOf(new java.util.TreeSet<>(cl.sync().syncStandbys())));
        }
        m.put("sync", sync);
        if (cl != null && cl.failover() != null) {
            Failover f = cl.failover();
            Map<String, Object> fo = new LinkedHashMap<>();
            fo.put("leader", f.leader());
            fo.put("candidate", f.candidate());
            fo.put("scheduled_at", f.scheduledAt() == null ? null : f.scheduledAt().toString());
            m.put("failover", fo);
        }
        m.put("paused", config.isPaused());
        return m;
    }

    /** Every other member: its published key and, when probed this cycle, its own answer. */
    private static Map<String, Object> members(HaInput in) {
        Map<String, Object> out = new TreeMap<>();
        ClusterView cl = in.cluster();
        long optime = cl == null ? 0 : cl.status().optime();
        if (cl != null) {
            for (Member mb : cl.members()) {
                if (mb.name().equals(in.settings().name())) continue;
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("role", mb.role());
                e.put("state", mb.state());
                e.put("wal", lsn(mb.walPosition()));
                if (mb.data().timeline() != null) e.put("timeline", mb.data().timeline());
                if (!Tags.published(mb.tags()).isEmpty()) e.put("tags", new TreeMap<>(Tags.published(mb.tags())));
                out.put(mb.name(), e);
            }
        }
        for (PeerStatus p : in.peers().values()) {
            if (p.name().equals(in.settings().name())) continue;
            @SuppressWarnings("unchecked")
            Map<String, Object> e = (Map<String, Object>) out.computeIfAbsent(p.name(), k -> new LinkedHashMap<>());
            e.put("reachable", p.reachable());
            if (p.reachable()) {
                e.put("wal", lsn(p.walPosition()));
                e.put("timeline", p.timeline());
                e.put("lag", Math.max(0, optime - p.walPosition()));
                e.put("failover_priority", p.failoverPriority());
                e.put("nofailover", p.noFailover());
            }
        }
        return out;
    }

    private static ClusterConfig config(HaInput in) {
        ClusterView cl = in.cluster();
        return cl != null && cl.config() != null ? cl.config() : in.settings().dynamic();
    }

    /** PostgreSQL's LSN notation, e.g. {@code 0/3000060}. */
    static String lsn(long v) {
        return Long.toHexString(v >>> 32).toUpperCase(Locale.ROOT) + "/"
                + Long.toHexString(v & 0xFFFFFFFFL).toUpperCase(Locale.ROOT);
    }

    /** Bytes in binary units, e.g. {@code 18 MB}, {@code 1.5 kB}, {@code 200 B}. */
    static String bytes(long n) {
        if (n < 1024) return n + " B";
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        String num = v < 10 && Math.abs(v - Math.rint(v)) >= 0.05 ? String.format(Locale.ROOT, "%.1f", v)
                : String.valueOf(Math.round(v));
        return num + " " + units[u];
    }

    /** An ISO-8601 UTC time with seconds, e.g. {@code 2026-12-02T16:40:01Z}. */
    static String time(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
