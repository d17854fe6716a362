package dev.regent.core.ha;

import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.KeepLeadingInFailsafe;
import dev.regent.core.ha.action.Action.SyncReplicationSlots;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterStatus;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Leader;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import dev.regent.core.slots.ExistingSlot;
import dev.regent.core.slots.SlotPlanner;
import dev.regent.core.slots.SlotSpec;
import java.util.Map;
import java.util.TreeMap;

/**
 * Patroni's DCS failsafe mode ({@code failsafe_mode: true} in the dynamic configuration, §6.7). Pure.
 * <ul>
 *   <li>While the DCS works, the leader keeps {@code /failsafe} = {@code {member: api_url}} of every member with an
 *       api_url, itself included ({@link #topology}).</li>
 *   <li>When the DCS cannot be read, a running primary (not paused) asks every other member of the last known
 *       {@code /failsafe} with {@code POST /failsafe} ({@link #membersToAsk}); it keeps running read-write only if
 *       its own name is in {@code /failsafe} and every other member answered {@code Accepted} (a single-node topology
 *       needs no answer). Otherwise it demotes {@code offline}, as with failsafe mode off ({@link #decideDcsDown}).
 *       Kept running, it syncs its slots with the cascading members at the positions they answered
 *       ({@link #primarySlotsDcsDown}).</li>
 *   <li>A member that accepted such a request treats the caller as the leader for ttl seconds: when the DCS is
 *       back but the leader key has expired, the caller stands in for the missing key, so nobody races
 *       ({@link #effectiveCluster}).</li>
 *   <li>In the leader race a member that is missing from a non-empty {@code /failsafe} is not a candidate
 *       ({@link #excludedFromRace}).</li>
 * </ul>
 */
public final class FailsafeRule {
    static final String KEEP_RUNNING =
            "continue to run as a leader because failsafe mode is enabled and all members are accessible";
    static final String DEMOTE = "demoting self because DCS is not accessible and I was a leader";

    private FailsafeRule() {}

    /** {@code failsafe_mode} is on in {@code config} (Patroni's check_mode: any true-like value). */
    public static boolean enabled(ClusterConfig config) {
        return config != null && config.boolValue("failsafe_mode", false);
    }

    /**
     * The members a primary must ask with {@code POST /failsafe} in a cycle whose DCS read failed: name to api_url of
     * every other member in the last known {@code /failsafe}. Empty when nothing is to be asked: the DCS was read,
     * failsafe mode is off (in the cached dynamic config), the node is paused, postgres is not a running primary, the
     * topology is unknown or lacks this node (then it demotes without asking), or this node is alone in it.
     */
    public static Map<String, String> membersToAsk(boolean dcsAvailable, LocalPostgres local, ClusterConfig config,
                                                   Map<String, String> topology, String me) {
        if (dcsAvailable || !enabled(config) || config.isPaused() || !local.isPrimary()) return Map.of();
        if (topology == null || !topology.containsKey(me)) return Map.of();
        Map<String, String> out = new TreeMap<>();
        topology.forEach((name, url) -> {
            if (!name.equals(me)) out.put(name, url);
        });
        return out;
    }

    /** The decision for a cycle whose DCS read failed (Patroni's _handle_dcs_error). */
    static Decision decideDcsDown(Ctx c) {
        if (c.paused() || !c.pg.isRunning()) return c.decide(DcsUnavailableRule.MESSAGE);
        if (!c.pg.isPrimary()) {
            SyncReplicationSlots sync = c.pg.isReplica() ? replicaSlotsDcsDown(c) : null;
            return sync == null ? c.decide(DcsUnavailableRule.MESSAGE) : c.decide(DcsUnavailableRule.MESSAGE, sync);
        }
        if (!enabled(c.config())) return c.decide(DEMOTE, new Demote(Demote.Mode.OFFLINE, null));
        FailsafeFacts f = c.in.failsafe();
        Map<String, String> topology = f.topology();
        if (topology == null || !topology.containsKey(c.me)) {
            c.infos.add(topology == null ? "failsafe mode: the /failsafe topology is unknown"
                    : "failsafe mode: this node is not in the /failsafe topology " + new TreeMap<>(topology).keySet());
            return c.decide(DEMOTE, new Demote(Demote.Mode.OFFLINE, null));
        }
        Map<String, Long> positions = new TreeMap<>();
        for (String member : membersToAsk(false, c.pg, c.config(), topology, c.me).keySet()) {
            FailsafeAnswer a = f.answers().get(member);
            if (a == null || !a.accepted()) {
                c.infos.add("failsafe mode: " + member + " did not accept POST /failsafe");
                return c.decide(DEMOTE, new Demote(Demote.Mode.OFFLINE, null));
            }
            // Patroni's update_slots keeps only the answers with a position (its `if r.lsn`)
            if (a.lsn() != null && a.lsn() > 0) positions.put(member, a.lsn());
        }
        SyncReplicationSlots sync = primarySlotsDcsDown(c, positions);
        return sync == null ? c.decide(KEEP_RUNNING, new KeepLeadingInFailsafe())
                : c.decide(KEEP_RUNNING, new KeepLeadingInFailsafe(), sync);
    }

    /**
     * The slot sync of a primary that failsafe mode keeps running while the DCS is unreachable (Patroni's
     * _sync_replication_slots(dcs_failed=True) after check_failsafe_topology): against the last snapshot read, in which
     * every member that cascades ({@code replicatefrom}) carries the WAL position it answered to {@code POST /failsafe}
     * in the {@code lsn} header ({@link #withCascadingPositions}), so that the primary's slot of that member, which
     * nobody streams from, keeps advancing instead of holding WAL for the whole outage. The slots of members that
     * stream from this node are not driven by the answers (expected active, never advanced). Null (nothing to do)
     * when slots are off or no snapshot was ever read.
     *
     * @param positions the answered positions by member name (answers without one left out)
     */
    static SyncReplicationSlots primarySlotsDcsDown(Ctx c, Map<String, Long> positions) {
        ClusterView last = c.in.failsafe().lastCluster();
        ClusterConfig config = c.config();
        if (last == null || !config.useSlots()) return null;
        ClusterView view = withCascadingPositions(last, positions);
        Map<String, SlotSpec> slots = SlotPlanner.desired(view, config,
                new SlotPlanner.Node(c.me, c.settings.tags(), true, c.pg.serverVersion()));
        c.infos.add("failsafe mode: syncing replication slots with the positions " + positions
                + " the members answered to POST /failsafe");
        return new SyncReplicationSlots(slots, false);
    }

    /**
     * Patroni's Failsafe.update_cluster, the part for cascading replication: {@code cluster} with the WAL position of
     * every member that has a {@code replicatefrom} tag and a position in {@code positions} (by member name) replaced by
     * that position; the other members stay as they are.
     */
    static ClusterView withCascadingPositions(ClusterView cluster, Map<String, Long> positions) {
        if (positions.isEmpty()) return cluster;
        java.util.List<Member> members = new java.util.ArrayList<>(cluster.members().size());
        boolean changed = false;
        for (Member m : cluster.members()) {
            Long lsn = positions.get(m.name());
            if (m.replicateFrom() != null && lsn != null && lsn > 0 && lsn != m.walPosition()) {
                members.add(atPosition(m, lsn));
                changed = true;
            } else {
                members.add(m);
            }
        }
        if (!changed) return cluster;
        return new ClusterView(cluster.initialize(), cluster.config(), cluster.leader(), cluster.status(), members,
                cluster.failover(), cluster.sync(), cluster.history(), cluster.failsafe(),
                cluster.initializeVersion());
    }

    private static Member atPosition(Member m, long lsn) {
        MemberData d = m.data();
        return new Member(m.name(), m.version(), m.session(), new MemberData(d.connUrl(), d.apiUrl(), d.proxyUrl(),
                d.state(), d.role(), d.version(), lsn, d.receiveLsn(), d.replayLsn(), d.replicationState(),
                d.timeline(), d.tags(), d.pendingRestart(), d.pendingRestartReason(), d.scheduledRestart(),
                d.checkpointAfterPromote(), d.pause(), d.extra()));
    }

    /**
     * A running replica's slot sync while the DCS is unreachable (Patroni's _sync_replication_slots(dcs_failed=True)
     * on a replica with failsafe mode on): against the last snapshot read from the DCS with the primary whose
     * {@code POST /failsafe} was accepted less than ttl ago standing in as the leader and its request's {@code slots}
     * as {@code /status.slots} ({@link #failsafeCluster}), so that permanent physical and logical slot copies (and
     * members' slots) keep advancing as they would from {@code /status}. Missing logical slots are not copied while
     * failsafe mode is active. Null (nothing to do) when slots are off, no snapshot was ever read, or failsafe mode is
     * not active here (no request accepted within ttl): Regent leaves the slots alone then, where Patroni would sync
     * against the stale snapshot, which moves nothing forward.
     */
    static SyncReplicationSlots replicaSlotsDcsDown(Ctx c) {
        ClusterView last = c.in.failsafe().lastCluster();
        ClusterConfig config = c.config();
        if (last == null || !config.useSlots() || !acceptedFresh(c.in)) return null;
        ClusterView view = failsafeCluster(last, c.in.failsafe().accepted());
        Map<String, SlotSpec> slots = SlotPlanner.desired(view, config,
                new SlotPlanner.Node(c.me, c.settings.tags(), false, c.pg.serverVersion()));
        if (!SlotPlanner.modern(config, c.pg.serverVersion()) && slots.isEmpty()) return null;
        c.infos.add("failsafe mode: syncing replication slots with the positions " + new TreeMap<>(view.status().slots())
                + " from " + view.leader().name() + "'s POST /failsafe");
        return new SyncReplicationSlots(slots, false);
    }

    /**
     * This replica accepted a primary's {@code POST /failsafe} less than ttl ago, with failsafe mode on (Patroni's
     * failsafe_is_active on a replica): it then copies no logical slots.
     */
    static boolean acceptedFresh(HaInput in) {
        FailsafeLeader accepted = in.failsafe().accepted();
        ClusterConfig config = in.cluster() != null && in.cluster().config() != null ? in.cluster().config()
                : in.settings().dynamic();
        return accepted != null && enabled(config) && accepted.freshAt(in.nowMillis(), in.settings().ttlSeconds())
                && !accepted.name().equals(in.settings().name());
    }

    /**
     * Patroni's Failsafe.update_cluster: {@code cluster} with the primary that sent the accepted {@code POST /failsafe}
     * as the leader (version -1, no session; its member key when one exists, else the urls from the request), that
     * request's {@code slots} as {@code /status.slots} (the optime and retain_slots stay), and every cascading member
     * at the position of its slot there ({@link #withCascadingPositions}).
     */
    static ClusterView failsafeCluster(ClusterView cluster, FailsafeLeader accepted) {
        Member member = cluster.member(accepted.name()).orElseGet(() -> remote(accepted));
        ClusterStatus status = new ClusterStatus(cluster.status().optime(), accepted.slots(),
                cluster.status().retainSlots());
        ClusterView view = new ClusterView(cluster.initialize(), cluster.config(),
                new Leader(accepted.name(), -1, null, member), status, cluster.members(), cluster.failover(),
                cluster.sync(), cluster.history(), cluster.failsafe(), cluster.initializeVersion());
        // a cascading member's position is the primary's slot of it (Patroni looks the member name up in the slots;
        // Regent its slot name, which is what the body names)
        Map<String, Long> positions = new TreeMap<>();
        for (Member m : cluster.members()) {
            Long lsn = accepted.slots().get(SlotNames.fromMemberName(m.name()));
            if (lsn != null) positions.put(m.name(), lsn);
        }
        return withCascadingPositions(view, positions);
    }

    /**
     * The {@code slots} of the primary's {@code POST /failsafe} body (Patroni 4's Postgresql.slots()): the position of
     * every replication slot it manages (physical: restart_lsn, logical: confirmed_flush_lsn; temporary ones and
     * those without a position left out) plus its own member slot name at its current WAL position, so that replicas
     * advance their copies as from {@code /status.slots}. Empty before PostgreSQL 11 (no pg_replication_slot_advance),
     * as Patroni.
     *
     * @param existing the slots found on this primary
     * @param local    this primary's postgres (version, WAL position)
     * @param me       this member's name
     */
    public static Map<String, Long> bodySlots(java.util.List<ExistingSlot> existing, LocalPostgres local, String me) {
        Map<String, Long> out = new TreeMap<>();
        if (local.serverVersion() < SlotPlanner.SLOT_ADVANCE_VERSION) return out;
        for (ExistingSlot s : existing) {
            if (s.temporary()) continue;
            Long lsn = SlotSpec.LOGICAL.equals(s.type()) ? s.confirmedFlushLsn() : s.restartLsn();
            if (lsn != null && lsn > 0) out.put(s.name(), lsn);
        }
        if (local.walPosition() > 0) out.put(SlotNames.fromMemberName(me), local.walPosition());
        return out;
    }

    /**
     * The answer to a primary's {@code POST /failsafe} (Patroni's update_failsafe): {@code null} to accept, else the
     * reason for a 500. A running primary refuses ({@code Running as a leader}, Patroni). Regent also refuses when
     * this node's last DCS read showed another member holding the leader lock, this node included: the caller is not
     * the leader (an operator's failover promoted someone else while it was cut off from the DCS; or it is a stale
     * primary whose daemon was frozen past a failover, and accepting it would make this node follow and rewind to it:
     * simulator, seed 855), so it must demote.
     *
     * @param localIsPrimary   this node's postgres runs as a primary
     * @param lastLeader       the leader in this node's last successful DCS read, or null (unlocked or never read)
     * @param caller           the member asking
     * @param me               this member
     */
    public static String refusal(boolean localIsPrimary, String lastLeader, String caller, String me) {
        if (localIsPrimary) return "Running as a leader";
        if (lastLeader != null && !lastLeader.equals(caller)) {
            return lastLeader + " holds the leader lock";
        }
        return null;
    }

    /**
     * The cluster the rules see: {@code cluster} itself, except that with failsafe mode on, an unlocked cluster and a
     * {@code POST /failsafe} accepted less than ttl ago, the primary that sent it stands in for the missing leader key
     * and its request's {@code slots} for {@code /status.slots} ({@link #failsafeCluster}, Patroni's
     * Failsafe.update_cluster).
     */
    static ClusterView effectiveCluster(HaInput in) {
        ClusterView cluster = in.cluster();
        FailsafeLeader accepted = in.failsafe().accepted();
        if (cluster == null || !cluster.isUnlocked() || accepted == null) return cluster;
        ClusterConfig config = cluster.config() != null ? cluster.config() : in.settings().dynamic();
        if (!enabled(config) || !accepted.freshAt(in.nowMillis(), in.settings().ttlSeconds())) return cluster;
        if (accepted.name().equals(in.settings().name())) return cluster;
        return failsafeCluster(cluster, accepted);
    }

    /**
     * The members a leader race compares (Patroni's is_healthiest_node with failsafe mode on): the member keys plus
     * every member of {@code /failsafe} whose key has expired, known by its api_url only, so that a primary failsafe
     * kept running without the DCS still answers as alive (simulator, seed 3117).
     */
    public static java.util.List<Member> knownMembers(ClusterView cluster, ClusterConfig config) {
        java.util.List<Member> out = new java.util.ArrayList<>(cluster.members());
        Map<String, String> topology = cluster.failsafe();
        if (!enabled(config) || topology == null) return out;
        topology.forEach((name, url) -> {
            if (url != null && cluster.member(name).isEmpty()) {
                out.add(new Member(name, -1, null, new MemberData(null, url, null, null, null, null, null, null,
                        null, null, null, null, null, null, null, null, false, null)));
            }
        });
        return out;
    }

    private static Member remote(FailsafeLeader l) {
        return new Member(l.name(), -1, null, new MemberData(l.connUrl(), l.apiUrl(), null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, false, null));
    }

    /**
     * The {@code /failsafe} value the leader keeps while failsafe mode is on: every member with an api_url, by name
     * (Patroni's _failsafe_config). The shell adds this node with its own api_url when its member key is missing.
     * Null when failsafe mode is off.
     */
    static Map<String, String> topology(Ctx c) {
        if (!enabled(c.config())) return null;
        Map<String, String> out = new TreeMap<>();
        for (Member m : c.cluster.members()) {
            if (m.apiUrl() != null) out.put(m.name(), m.apiUrl());
        }
        return out;
    }

    /**
     * Patroni's is_healthiest_node with failsafe mode on: a non-empty {@code /failsafe} without this node's name
     * disqualifies it (it was not part of the topology the old primary asked, so it may have missed its writes).
     */
    static boolean excludedFromRace(Ctx c) {
        if (!outsideTopology(c, c.me)) return false;
        c.infos.add("not in the /failsafe topology: not a candidate in the leader race");
        return true;
    }

    /** Failsafe mode is on and a non-empty {@code /failsafe} does not name {@code member}. */
    static boolean outsideTopology(Ctx c, String member) {
        if (!enabled(c.config())) return false;
        Map<String, String> topology = c.cluster.failsafe();
        return topology != null && !topology.isEmpty() && !topology.containsKey(member);
    }
}
