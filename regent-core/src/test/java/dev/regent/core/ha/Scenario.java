package dev.regent.core.ha;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.LocalPostgres.ProcessState;
import dev.regent.core.ha.action.Action;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterStatus;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.Leader;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import dev.regent.core.model.TimelineHistory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compact builder for decider scenarios: a three-member cluster {@code pg0, pg1, pg2} (all running, with api and
 * conn urls) initialized with system id {@value #SYSID}, seen from {@code me}, then tweaked per case. {@link #expect}
 * runs the decider and asserts both the message and the exact action list.
 */
final class Scenario {
    static final String SYSID = "7000000000000000001";
    static final long NOW = 1_000_000L;
    static final long WALL = 1_700_000_000_000L;
    /** pg_postmaster_start_time() of the local postgres unless {@link #postgresRestartedSince()}. */
    static final Instant STARTED = Instant.parse("2023-11-14T20:00:00.123456Z");

    private final String me;
    private String initialize = SYSID;
    private long initializeVersion = 2;
    private String leader;
    private final Map<String, Map<String, Object>> memberTags = new LinkedHashMap<>();
    private final Map<String, String> memberState = new LinkedHashMap<>();
    // member_slots_ttl 0: these scenarios are about other rules and expect a replica to keep only cascade slots (the
    // pre-4.0 rule); the 4.x rule (every node keeps every member's slot) has its own tests (SlotScenariosTest)
    private final Map<String, Object> config = new LinkedHashMap<>(Map.of("ttl", 30, "loop_wait", 10,
            "member_slots_ttl", 0));
    private boolean configPresent = true;
    private boolean dcsDown;
    private long optime;
    private int historyTimelines; // number of timeline switches: cluster timeline = this + 1
    private Failover failover;
    private final Map<String, Object> myTags = new LinkedHashMap<>();
    private boolean bootstrapSection = true;
    private boolean replicaWithoutLeader;
    private boolean usePgRewind;
    private boolean removeOnDiverged;
    private ProcessState process = ProcessState.RUNNING;
    private boolean dataDirEmpty;
    private String sysid = SYSID;
    private Boolean inRecovery = true;
    private String controlState = "in archive recovery";
    private int timeline = 1;
    private long wal;
    private String followed;
    private boolean followingStandby;
    private NodeMemory memory = NodeMemory.INITIAL;
    private final Map<String, PeerStatus> peers = new LinkedHashMap<>();
    private String task;
    private final List<Command> commands = new ArrayList<>();
    private long now = NOW;
    private final List<String> expectedWarnings = new ArrayList<>();

    private final List<String> expectedInfos = new ArrayList<>();
    private int serverVersion = 150004;
    private Instant postmasterStarted = STARTED;
    private final Map<String, Map<String, String>> pendingRestart = new LinkedHashMap<>();
    private ScheduledRestart scheduledRestart;
    private dev.regent.core.model.SyncState sync;
    private dev.regent.core.sync.SyncObserved syncObserved;
    private Map<String, String> clusterFailsafe;
    private Map<String, String> knownFailsafe;
    private final Map<String, FailsafeAnswer> failsafeAnswers = new LinkedHashMap<>();
    private FailsafeLeader failsafeLeader;
    private Map<String, Long> statusSlots = Map.of();
    private final Map<String, Long> memberWal = new LinkedHashMap<>();
    private boolean watchdogUsable = true;

    private Scenario(String me) {
        this.me = me;
        for (String n : List.of("pg0", "pg1", "pg2")) {
            memberTags.put(n, new LinkedHashMap<>());
            memberState.put(n, "running");
        }
    }

    /** A replica {@code me} in a cluster led by pg0 (when me is pg0: a primary holding the lock). */
    static Scenario as(String me) {
        Scenario s = new Scenario(me).leader("pg0");
        if (me.equals("pg0")) s.primary().wasLeader(NOW + 30_000);
        else s.followed("pg0");
        return s;
    }

    // ---- cluster ----
    Scenario leader(String name) { leader = name; return this; }
    Scenario unlocked() { leader = null; return this; }
    Scenario initialize(String v) { initialize = v; return this; }
    /** {@code initialize} with its mod revision. */
    Scenario initialize(String v, long version) { initialize = v; initializeVersion = version; return this; }
    Scenario noMembers() { memberTags.clear(); memberState.clear(); return this; }
    Scenario member(String name) {
        memberTags.put(name, new LinkedHashMap<>());
        memberState.put(name, "running");
        return this;
    }
    Scenario withoutMember(String name) { memberTags.remove(name); memberState.remove(name); return this; }
    Scenario memberTag(String name, String tag, Object v) { memberTags.get(name).put(tag, v); return this; }
    Scenario memberState(String name, String state) { memberState.put(name, state); return this; }
    /** The WAL position {@code name} published in its member key (0 unless set). */
    Scenario memberWal(String name, long wal) { memberWal.put(name, wal); return this; }
    Scenario config(String key, Object v) { config.put(key, v); return this; }
    Scenario noConfig() { configPresent = false; return this; }
    /** Maintenance mode; {@link #expect} then expects the message with Patroni's {@code PAUSE: } prefix. */
    Scenario paused() { return config("pause", true); }
    /** {@code standby_cluster: {host, port}} in the dynamic configuration. */
    Scenario standbyCluster(String host, int port) {
        return config("standby_cluster", new LinkedHashMap<>(Map.of("host", host, "port", port)));
    }
    /** {@code standby_cluster: {restore_command}} only (archive recovery, no streaming). */
    Scenario archiveStandby(String restoreCommand) {
        return config("standby_cluster", new LinkedHashMap<>(Map.of("restore_command", restoreCommand)));
    }
    /** The local recovery configuration already applies the current standby_cluster section. */
    Scenario followingStandby() { followingStandby = true; return this; }
    Scenario dcsDown() { dcsDown = true; return this; }
    Scenario optime(long v) { optime = v; return this; }
    Scenario clusterTimeline(int tl) { historyTimelines = tl - 1; return this; }
    Scenario failover(String fromLeader, String candidate) {
        failover = new Failover(7, fromLeader, candidate, null);
        return this;
    }
    Scenario scheduledSwitchover(String fromLeader, String candidate, long secondsFromNow) {
        failover = new Failover(7, fromLeader, candidate, Instant.ofEpochMilli(WALL + secondsFromNow * 1000));
        return this;
    }

    // ---- local node ----
    Scenario tag(String tag, Object v) { myTags.put(tag, v); return this; }
    Scenario noBootstrapSection() { bootstrapSection = false; return this; }
    Scenario replicaWithoutLeader() { replicaWithoutLeader = true; return this; }
    Scenario usePgRewind() { usePgRewind = true; return this; }
    Scenario removeDataOnDivergedTimelines() { removeOnDiverged = true; return this; }
    Scenario primary() {
        process = ProcessState.RUNNING; inRecovery = false; controlState = "in production"; followed = null;
        return this;
    }
    Scenario replica() {
        process = ProcessState.RUNNING; inRecovery = true; controlState = "in archive recovery";
        return this;
    }
    Scenario stopped(String control) { process = ProcessState.STOPPED; controlState = control; return this; }
    Scenario starting() { process = ProcessState.STARTING; return this; }
    Scenario emptyDataDir() {
        dataDirEmpty = true; sysid = null; process = ProcessState.STOPPED; inRecovery = null; controlState = null;
        followed = null;
        return this;
    }
    Scenario sysid(String v) { sysid = v; return this; }
    Scenario timeline(int tl) { timeline = tl; return this; }
    Scenario wal(long v) { wal = v; return this; }
    Scenario followed(String name) { followed = name; return this; }
    Scenario memory(NodeMemory m) { memory = m; return this; }
    Scenario wasLeader(long validUntil) {
        memory = memory.withWasLeader(true).withLockValidUntil(validUntil);
        return this;
    }
    Scenario notWasLeader() { memory = memory.withWasLeader(false).withLockValidUntil(0); return this; }
    Scenario rewindNeeded() { memory = memory.withRewindOrReinitNeeded(true); return this; }
    Scenario startingAsPrimarySince(long t) { memory = memory.withStartingAsPrimarySince(t); return this; }
    Scenario attachedStartSince(long t) { memory = memory.withAttachedStartSince(t); return this; }
    Scenario task(String name) { task = name; return this; }
    Scenario command(Command c) { commands.add(c); return this; }
    Scenario restart(Integer timeoutSeconds) { return command(new Command.Restart(timeoutSeconds)); }
    Scenario reinitialize(boolean force, boolean fromLeader) {
        return command(new Command.Reinitialize(force, fromLeader));
    }
    Scenario reload() { return command(new Command.Reload()); }
    Scenario now(long t) { now = t; return this; }
    Scenario serverVersion(int v) { serverVersion = v; return this; }
    /** pg_settings reports {@code name} as pending_restart (changed from 100 to 200). */
    Scenario pendingRestart(String name) {
        pendingRestart.put(name, Map.of("old_value", "100", "new_value", "200"));
        return this;
    }
    /** The postmaster started after the scheduled restart was accepted. */
    Scenario postgresRestartedSince() { postmasterStarted = STARTED.plusSeconds(60); return this; }
    /** A restart scheduled (without filters) at wall-clock time + {@code secondsFromNow}, accepted at STARTED. */
    Scenario scheduledRestart(long secondsFromNow) {
        return scheduledRestart(secondsFromNow, null, null, false, null);
    }
    Scenario scheduledRestart(long secondsFromNow, String role, Integer postgresVersion, boolean restartPending,
                              Integer timeout) {
        java.time.OffsetDateTime at = Instant.ofEpochMilli(WALL + secondsFromNow * 1000)
                .atOffset(java.time.ZoneOffset.ofHours(2));
        scheduledRestart = new ScheduledRestart(at, role, postgresVersion, restartPending, timeout, STARTED);
        return this;
    }
    /** A warning line the decision must carry (all others are unexpected). */
    Scenario warns(String line) { expectedWarnings.add(line); return this; }
    /**
     * An INFO reason the decision must carry. Once one is declared, all others are unexpected; scenarios that declare
     * none do not check them (the text scenario files always compare them exactly).
     */
    Scenario informs(String line) { expectedInfos.add(line); return this; }
    /** The bootstrap this process ran has failed (the shell moved the data directory aside). */
    Scenario bootstrapFailed() { memory = memory.withBootstrapFailed(true); return this; }

    // ---- peers (GET /patroni answers) ----
    Scenario peer(String name, long peerWal) { return peer(name, peerWal, 1); }
    Scenario peer(String name, long peerWal, int priority) {
        peers.put(name, new PeerStatus(name, true, false, peerWal, timeline, priority, true));
        return this;
    }
    Scenario peerTimeline(String name, long peerWal, int tl) { return peer(name, peerWal, tl, 1); }
    Scenario peer(String name, long peerWal, int tl, int priority) {
        peers.put(name, new PeerStatus(name, true, false, peerWal, tl, priority, true));
        return this;
    }
    /** A replica peer whose {@code GET /patroni} reports {@code watchdog_failed}. */
    Scenario peerWatchdogFailed(String name, long peerWal) {
        peers.put(name, new PeerStatus(name, true, false, peerWal, timeline, 1, true, false, true));
        return this;
    }
    Scenario peerPrimary(String name, long peerWal) {
        peers.put(name, new PeerStatus(name, true, true, peerWal, timeline, 1, true));
        return this;
    }
    /** A peer answering as a running primary on timeline {@code tl}. */
    Scenario peerPrimaryOn(String name, long peerWal, int tl) {
        peers.put(name, new PeerStatus(name, true, true, peerWal, tl, 1, true));
        return this;
    }
    Scenario peerUnreachable(String name) { peers.put(name, PeerStatus.unreachable(name)); return this; }
    /** The {@code /sync} key: leader, standbys (comma-separated, "" for none), quorum. */
    Scenario sync(String syncLeader, String standbys, int quorum) {
        sync = new dev.regent.core.model.SyncState(7, syncLeader,
                standbys.isEmpty() ? java.util.Set.of() : java.util.Set.of(standbys.split(",")), quorum);
        return this;
    }
    Scenario syncObserved(dev.regent.core.sync.SyncObserved o) { syncObserved = o; return this; }

    // ---- failsafe mode ----
    /** {@code failsafe_mode: true} in the dynamic config. */
    Scenario failsafeMode() { return config("failsafe_mode", true); }
    /** The {@code /failsafe} key in the snapshot and as last known: comma-separated names ("" for {}). */
    Scenario failsafeKey(String names) {
        clusterFailsafe = failsafeMap(names);
        knownFailsafe = clusterFailsafe;
        return this;
    }
    /** The last known {@code /failsafe} only (the DCS is down, or the snapshot differs). */
    Scenario knownFailsafe(String names) { knownFailsafe = failsafeMap(names); return this; }
    /** {@code name} answered POST /failsafe with 200 Accepted and {@code lsn}. */
    Scenario failsafeAccepted(String name, long lsn) {
        failsafeAnswers.put(name, new FailsafeAnswer(name, true, lsn));
        return this;
    }
    /** {@code name} answered POST /failsafe with 200 Accepted and an {@code lsn} header of {@code lsn} (may be null). */
    Scenario failsafeAcceptedAt(String name, Long lsn) {
        failsafeAnswers.put(name, new FailsafeAnswer(name, true, lsn));
        return this;
    }
    /** {@code name} answered POST /failsafe, but not Accepted (e.g. 500 Running as a leader). */
    Scenario failsafeRefused(String name) { failsafeAnswers.put(name, FailsafeAnswer.none(name)); return this; }
    /** This node accepted POST /failsafe from {@code name} at monotonic {@code at}. */
    Scenario failsafeLeader(String name, long at) {
        failsafeLeader = new FailsafeLeader(name, "http://" + name + ":8008/patroni",
                "postgres://" + name + ":5432/postgres", at);
        return this;
    }

    /** This node accepted POST /failsafe from {@code name} at monotonic {@code at}, with {@code slots}. */
    Scenario failsafeLeader(String name, long at, Map<String, Long> slots) {
        failsafeLeader = new FailsafeLeader(name, "http://" + name + ":8008/patroni",
                "postgres://" + name + ":5432/postgres", at, slots);
        return this;
    }
    /** {@code /status.slots} in the snapshot (the last one read when the DCS is down). */
    Scenario statusSlots(Map<String, Long> slots) { statusSlots = slots; return this; }

    /** {@code watchdog.mode: required} and the device cannot be used (missing, or its activation failed). */
    Scenario watchdogUnusable() { watchdogUsable = false; return this; }

    private static Map<String, String> failsafeMap(String names) {
        Map<String, String> out = new LinkedHashMap<>();
        if (names == null) return null;
        for (String n : names.split(",")) {
            if (!n.isEmpty()) out.put(n, "http://127.0.0.1:" + (9008 + Integer.parseInt(n.substring(2))) + "/patroni");
        }
        return out;
    }

    // ---- build & assert ----
    HaInput input() {
        return new HaInput(dcsDown ? null : cluster(), postgres(), settings(), memory, peers, task, commands, now,
                WALL, scheduledRestart, syncObserved,
                new FailsafeFacts(knownFailsafe, failsafeAnswers, failsafeLeader, cluster()),
                watchdogUsable);
    }

    Decision decide() { return HaDecider.decide(input()); }

    /** Runs the decider, asserts message and actions exactly, returns the decision for further checks. */
    Decision expect(String message, Action... actions) {
        Decision d = decide();
        String prefix = Boolean.TRUE.equals(config.get("pause")) ? "PAUSE: " : "";
        assertThat(d.message()).as("message").isEqualTo(prefix + message);
        assertThat(d.actions()).as("actions for: " + message).containsExactly(actions);
        assertThat(d.warnings()).as("warnings").containsExactlyElementsOf(expectedWarnings);
        if (!expectedInfos.isEmpty()) {
            assertThat(d.infos()).as("INFO reasons").containsExactlyElementsOf(expectedInfos);
        }
        return d;
    }

    private ClusterView cluster() {
        List<Member> members = new ArrayList<>();
        int port = 5432;
        for (Map.Entry<String, Map<String, Object>> e : memberTags.entrySet()) {
            String n = e.getKey();
            String role = n.equals(leader) ? "primary" : "replica";
            MemberData data = new MemberData("postgres://127.0.0.1:" + port + "/postgres",
                    "http://127.0.0.1:" + (port + 3576) + "/patroni", null, memberState.get(n), role, "4.0.0",
                    memberWal.getOrDefault(n, 0L),
                    null, null, null, 1, e.getValue(), null, null, null, null, false, null);
            members.add(new Member(n, 1, null, data));
            port++;
        }
        Leader l = leader == null ? null : new Leader(leader, 3, "lease",
                members.stream().filter(m -> m.name().equals(leader)).findFirst().orElse(null));
        List<TimelineHistory.Entry> hist = new ArrayList<>();
        for (int t = 1; t <= historyTimelines; t++) {
            hist.add(new TimelineHistory.Entry(t, t * 1000L, "no recovery target", null, null));
        }
        return new ClusterView(initialize, configPresent ? new ClusterConfig(5, config) : null, l,
                new ClusterStatus(optime, statusSlots, List.of()), members, failover, sync,
                new TimelineHistory(2, hist), clusterFailsafe, initialize == null ? 0 : initializeVersion);
    }

    private LocalPostgres postgres() {
        boolean running = process == ProcessState.RUNNING;
        boolean replica = running && Boolean.TRUE.equals(inRecovery);
        return new LocalPostgres(process, dataDirEmpty, sysid, inRecovery, controlState, timeline, wal,
                replica ? wal : null, replica ? wal : null, replica ? "streaming" : null, followed, null,
                running ? serverVersion : 0, running ? postmasterStarted : null,
                running ? pendingRestart : Map.of())
                .withFollowedStandby(followingStandby ? new ClusterConfig(0, config).standbyCluster() : null);
    }

    private HaSettings settings() {
        return new HaSettings(me, 30, 10, 10, myTags, bootstrapSection, usePgRewind, false, removeOnDiverged,
                new ClusterConfig(0, config), replicaWithoutLeader);
    }
}
