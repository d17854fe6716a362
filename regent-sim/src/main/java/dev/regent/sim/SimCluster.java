package dev.regent.sim;

import dev.regent.core.ha.PeerStatus;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.Member;
import dev.regent.core.model.Tags;
import dev.regent.daemon.loop.MemberDataBuilder;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.DcsJson;
import dev.regent.dcs.PatroniDcs;
import dev.regent.dcs.memory.InMemoryKeyValueStore;
import dev.regent.dcs.memory.InMemoryKvServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One simulated run: N nodes of the real shell and decider over the in-memory DCS, simulated PostgreSQL, a client, a
 * fault schedule drawn from the seed, and the invariant checks after every event. Single-threaded; everything random
 * comes from the seed, so a run is reproduced exactly from (seed, nodes, mutant).
 *
 * <p>Phases: the cluster bootstraps itself (the nodes race for {@code initialize}); faults happen between
 * {@link #FAULTS_FROM} and {@link #FAULTS_UNTIL} (the standard profile's window, {@link SimTimings}); then everything is healed (killed nodes restarted, frozen daemons
 * resumed, networks and DCS restored, pause ended) and the cluster must converge within {@link #LIVENESS_TTLS} ttl.
 */
public final class SimCluster {
    public static final int TTL_S = 30;
    public static final int LOOP_WAIT_S = 10;
    public static final int RETRY_TIMEOUT_S = 10;
    public static final long MAX_LAG = 262_144L;
    public static final String SCOPE = "sim";
    public static final long FAULTS_FROM = 45_000;
    public static final long FAULTS_UNTIL = 285_000;
    /** Liveness bound after the heal, in ttl. */
    public static final int LIVENESS_TTLS = 10;

    /** Outcome of a run. */
    public record Result(long seed, int nodes, Mutant mutant, String violation, List<Fault> faults, Trace trace,
                         long steps, long simMillis, int exemptWindows, long convergedAfterMillis, String syncMode,
                         boolean syncPinned, String profile, boolean lostInitializeAnswer) {
        public boolean failed() {
            return violation != null;
        }

        /** The one-line command that replays this run. */
        public String replayCommand() {
            return "bin/regent-sim --seeds 1 --nodes " + nodes + " --seed " + seed
                    + (mutant == Mutant.NONE ? "" : " --mutant " + mutant.cliName())
                    + (syncPinned ? " --sync " + syncMode : "")
                    + (profile.equals(SimTimings.STANDARD.name()) ? "" : " --profile " + profile)
                    + (lostInitializeAnswer ? " --lose-initialize-answer" : "");
        }

        /** Seed, fault schedule, trace and replay command, for a failing run. */
        public String report(int traceLines) {
            StringBuilder b = new StringBuilder();
            b.append("seed ").append(seed).append(" (").append(nodes).append(" nodes, mutant ")
                    .append(mutant.cliName()).append(", synchronous_mode ").append(syncMode)
                    .append(profile.equals(SimTimings.STANDARD.name()) ? "" : ", profile " + profile).append("): ").append(violation == null ? "ok" : violation)
                    .append(String.format(Locale.ROOT, " [%d events, %.0fs simulated, %d exempt windows%s]", steps,
                            simMillis / 1000.0, exemptWindows, convergedAfterMillis < 0 ? ""
                                    : String.format(Locale.ROOT, ", converged %.1fs after the heal",
                                            convergedAfterMillis / 1000.0)))
                    .append('\n');
            b.append("fault schedule:\n");
            for (Fault f : faults) b.append("  ").append(f).append('\n');
            b.append("trace:\n").append(trace.tail(traceLines));
            b.append("replay: ").append(replayCommand()).append('\n');
            return b.toString();
        }
    }

    /** Stops the run at the first violation. */
    static final class Violation extends RuntimeException {
        Violation(String message) {
            super(message, null, false, false);
        }
    }

    final Scheduler time = new Scheduler();
    final Trace trace = new Trace(time);
    final long seed;
    final Mutant mutant;
    /** Durations of operations and client behaviour (the fault plan has its own stream, drawn first). */
    final SplittableRandom rnd;
    final List<Fault> faults;
    final InMemoryKvServer server = new InMemoryKvServer(time);
    final PatroniDcs observer;
    final Node[] nodes;
    final boolean[][] linkCut;
    final int[][] linkCuts;
    final List<Commit> acknowledged = new ArrayList<>();
    /** Commits written on a primary whose synchronous_standby_names makes them wait for standbys. */
    private final List<Commit> waiting = new ArrayList<>();
    /** Acknowledged while {@code /sync} named their primary as leader: what invariant 2 protects. */
    private final List<Commit> syncAcknowledged = new ArrayList<>();
    /** The run's failsafe_mode (from the seed, {@link #failsafeModeOf}). */
    final boolean failsafeMode;
    /** The run's synchronous_mode: off, on or quorum. */
    final String syncMode;
    private final boolean syncPinned;
    final DaemonFactory daemons;
    /** The run's timing profile: Patroni's defaults, or Regent's fast failover profile. */
    final SimTimings timings;
    private long lastRevision = -1;
    private long segmentUids = 1;
    private int exemptWindows;
    private int pauses;
    private long healedAt = -1;
    private long convergedAt = -1;
    private long sysidCounter;

    /** Builds the daemon of a node (the real shell); given the cluster so that its seams call back into it. */
    interface DaemonFactory {
        Daemon create(SimCluster cluster, Node node);
    }

    SimCluster(long seed, int nodeCount, Mutant mutant, DaemonFactory daemons) {
        this(seed, nodeCount, mutant, "mixed", daemons);
    }

    /**
     * {@code sync}: the run's synchronous_mode, {@code off}, {@code on} or {@code quorum}; {@code mixed} takes it
     * from the seed ({@link #syncModeOf}).
     */
    SimCluster(long seed, int nodeCount, Mutant mutant, String sync, DaemonFactory daemons) {
        this(seed, nodeCount, mutant, sync, SimTimings.STANDARD, daemons);
    }

    /** {@code timings}: the run's timing profile ({@link SimTimings#STANDARD} or {@link SimTimings#FAST}). */
    SimCluster(long seed, int nodeCount, Mutant mutant, String sync, SimTimings timings, DaemonFactory daemons) {
        this.seed = seed;
        this.timings = timings;
        this.syncMode = sync.equals("mixed") ? syncModeOf(seed) : sync;
        this.syncPinned = !sync.equals("mixed");
        this.failsafeMode = failsafeModeOf(seed);
        this.mutant = mutant;
        this.daemons = daemons;
        SplittableRandom root = new SplittableRandom(seed);
        this.faults = FaultPlan.draw(root.split(), nodeCount, timings.faultsFrom(), timings.faultsUntil(),
                timings.ttlMillis(), timings.faultScale());
        this.rnd = root.split();
        this.nodes = new Node[nodeCount];
        for (int i = 0; i < nodeCount; i++) nodes[i] = new Node(i);
        this.linkCut = new boolean[nodeCount][nodeCount];
        this.linkCuts = new int[nodeCount][nodeCount];
        this.observer = new PatroniDcs(server.newStore("sim-observer", Duration.ofSeconds(timings.ttlS())), null, SCOPE,
                "sim-observer");
    }

    /**
     * The first create of {@code initialize} (the bootstrap race's winner) applies but answers with an error, as a
     * store that timed out after committing it: the winner believes it lost. Call before {@link #run}.
     */
    SimCluster loseTheInitializeRaceAnswer() {
        server.loseAnswerToNextCreate(observer.key("initialize"));
        lostInitializeAnswer = true;
        return this;
    }

    private boolean lostInitializeAnswer;

    /** The synchronous_mode of seed {@code seed} in mixed runs: off, on and quorum in turn. */
    static String syncModeOf(long seed) {
        return switch ((int) Math.floorMod(seed, 3L)) {
            case 0 -> "off";
            case 1 -> "on";
            default -> "quorum";
        };
    }

    /** failsafe_mode of seed {@code seed}: on for every other group of three seeds, so each sync mode gets both. */
    static boolean failsafeModeOf(long seed) {
        return Math.floorMod(Math.floorDiv(seed, 3L), 2L) == 1;
    }

    /**
     * Whether {@code node} posts to {@code /failsafe} as a Patroni 3.0.2 primary does, without {@code slots}: half the
     * nodes of a run, by seed and index, so that both bodies meet in one cluster (a rolling upgrade from Patroni).
     */
    boolean postsFailsafeWithoutSlots(Node node) {
        return Math.floorMod(seed + node.index, 2L) == 1;
    }

    /** Counts of accepted {@code POST /failsafe} requests with and without {@code slots}, and of rounds all accepted. */
    final int[] failsafeAccepted = new int[2];
    int failsafeRoundsAllAcceptedWithoutSlots;

    /**
     * A primary's {@code POST /failsafe} round (failsafe mode, DCS unreachable), answered live by the simulated nodes
     * as the real REST API does: unreachable as for {@link #probe} (a timed-out peer costs 2 s); a running primary
     * refuses ({@code 500 Running as a leader}); any other member reads the body with the REST API's parser, accepts
     * it into its daemon's failsafe state and answers with its WAL position. The body is the loop's own (Regent's,
     * with {@code slots}) or, from a node that {@link #postsFailsafeWithoutSlots posts as Patroni 3.0.2}, the same
     * without {@code slots}.
     */
    Map<String, dev.regent.core.ha.FailsafeAnswer> askFailsafe(Node self, Map<String, String> members, String body) {
        dev.regent.daemon.rest.FailsafeRequest sent = dev.regent.daemon.rest.FailsafeRequest.parse(body);
        if (postsFailsafeWithoutSlots(self)) {
            sent = dev.regent.daemon.rest.FailsafeRequest.parse("{\"name\": " + quoted(sent.name())
                    + ", \"conn_url\": " + quoted(sent.connUrl()) + ", \"api_url\": " + quoted(sent.apiUrl()) + "}");
        }
        Map<String, dev.regent.core.ha.FailsafeAnswer> out = new HashMap<>();
        long waited = 0;
        boolean all = true;
        for (String name : members.keySet()) {
            Node peer = nodeNamed(name);
            boolean slow = peer != null && peer.delays > 0 && peer.restDelay >= 2_000;
            if (peer == null || !peer.daemonUp() || !linked(self, peer) || peer.restLoss > 0 || slow) {
                out.put(name, dev.regent.core.ha.FailsafeAnswer.none(name));
                if (peer != null && peer.daemon != null && linked(self, peer)) waited = 2_000;
                all = false;
                continue;
            }
            if (peer.delays > 0) waited = Math.max(waited, peer.restDelay);
            var local = peer.pg.observe();
            var seen = peer.daemon.lastCluster();  // the REST API's view: the last successful DCS read
            if (dev.regent.core.ha.FailsafeRule.refusal(local.isPrimary(), seen == null || seen.leader() == null
                    ? null : seen.leader().name(), sent.name(), peer.name) != null) {
                out.put(name, dev.regent.core.ha.FailsafeAnswer.none(name));
                all = false;
                continue;
            }
            peer.daemon.failsafe().accept(sent.name(), sent.apiUrl(), sent.connUrl(), sent.slots(),
                    time.monotonicMillis());
            failsafeAccepted[sent.slots().isEmpty() ? 1 : 0]++;
            out.put(name, new dev.regent.core.ha.FailsafeAnswer(name, true,
                    local.isRunning() ? local.walPosition() : null));
        }
        if (all && !members.isEmpty() && sent.slots().isEmpty()) failsafeRoundsAllAcceptedWithoutSlots++;
        chargeLoop(self, waited);
        return out;
    }

    private static String quoted(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** Run the whole scenario; never throws for a violation (it is in the result). */
    Result run() {
        String violation = null;
        try {
            for (Node n : nodes) time.after(rnd.nextInt(3000), "start " + n.name, () -> startDaemon(n));
            for (Fault f : faults) time.at(f.at(), f.kind().name(), () -> inject(f));
            time.at(timings.faultsUntil(), "heal", this::healAll);
            time.after(300, "client", this::clientWrite);
            long end = timings.faultsUntil() + LIVENESS_TTLS * timings.ttlMillis();
            time.runUntil(end, this::afterEvent);
            if (convergedAt < 0) violation = livenessViolation();
        } catch (Converged c) {
            // liveness held: the run is over
        } catch (Violation v) {
            violation = v.getMessage();
            trace.add("-", "VIOLATION " + violation);
        }
        return new Result(seed, nodes.length, mutant, violation, faults, trace, time.steps(), time.now(), exemptWindows,
                convergedAt < 0 ? -1 : convergedAt - healedAt, syncMode, syncPinned, timings.name(),
                lostInitializeAnswer);
    }

    // ---- nodes and their daemons -------------------------------------------------------------------------------

    private void startDaemon(Node n) {
        n.daemon = daemons.create(this, n);
        n.fingerprint = null;
        trace.add(n.name, "daemon started");
        scheduleCycle(n, time.now());
    }

    void scheduleCycle(Node n, long at) {
        if (n.nextCycle != null) {
            if (n.nextCycleAt <= at) return;
            n.nextCycle.cancel();
        }
        int incarnation = n.incarnation;
        n.nextCycleAt = at;
        n.nextCycle = time.at(at, "cycle " + n.name, () -> {
            n.nextCycle = null;
            n.nextCycleAt = Long.MAX_VALUE;
            if (n.incarnation == incarnation) cycle(n);
        });
    }

    private void cycle(Node n) {
        if (!n.daemonUp()) return;
        n.busy = 0;
        long wait = n.daemon.cycle();
        n.busyUntil = time.now() + n.busy;
        if (n.exitReason != null) {
            // the process exited; a supervisor (systemd) starts it again
            trace.add(n.name, "daemon exited: " + n.exitReason);
            n.exitReason = null;
            stopDaemon(n);
            time.after(5_000, "supervisor restarts " + n.name, () -> {
                if (n.daemon == null) startDaemon(n);
            });
            return;
        }
        scheduleCycle(n, Math.max(n.busyUntil, time.now() + wait));
    }

    /** The executor's exit hook: the daemon ends after this cycle, postgres and the DCS stay as they are. */
    void fatalExit(Node n, String reason) {
        n.exitReason = reason;
    }

    /** The loop's wake-up (watcher, command, end of a background task): the next cycle runs as soon as it can. */
    void wake(Node n) {
        if (!n.daemonUp()) return;
        scheduleCycle(n, Math.max(time.now() + 1, n.busyUntil));
    }

    /** A blocking call on the loop thread took {@code millis}: the loop's next cycle is that much later. */
    void chargeLoop(Node n, long millis) {
        if (!n.inBackground) n.busy += millis;
    }

    /**
     * The background runner of {@code n}'s slot: the task runs after its simulated duration (later while the daemon is
     * frozen, never if it was killed meanwhile).
     */
    void runInBackground(Node n, String name, Runnable task) {
        int incarnation = n.incarnation;
        long duration = backgroundDuration(n, name);
        time.after(duration, "background " + n.name + " " + name, () -> runTask(n, incarnation, name, task));
    }

    private void runTask(Node n, int incarnation, String name, Runnable task) {
        if (n.incarnation != incarnation) return;
        if (n.frozen) {
            n.deferred.add(() -> runTask(n, incarnation, name, task));
            return;
        }
        n.inBackground = true;
        try {
            task.run();
        } finally {
            n.inBackground = false;
        }
    }

    private long backgroundDuration(Node n, String name) {
        long d = switch (name) {
            case "bootstrap" -> between(3_000, 8_000);
            case "creating replica", "reinitialize" -> between(4_000, 20_000);
            case "rewind" -> between(1_000, 8_000);
            case "restart" -> between(1_000, 5_000);
            default -> between(500, 4_000);
        };
        return d + (n.slow > 0 && !name.equals("bootstrap") ? n.slowExtra : 0);
    }

    long between(long lo, long hi) {
        return FaultPlan.between(rnd, lo, hi);
    }

    long nextSegmentUid() {
        return ++segmentUids;
    }

    String newSystemId() {
        return Long.toString(7_300_000_000_000_000_000L + seed % 1_000_000_000L * 1000 + ++sysidCounter);
    }

    Node nodeNamed(String name) {
        if (name == null) return null;
        for (Node n : nodes) if (n.name.equals(name)) return n;
        return null;
    }

    /** The node a conn_url points at ({@code postgres://n1:5432/postgres}), or null. */
    Node nodeOfUrl(String connUrl) {
        if (connUrl == null || !connUrl.startsWith("postgres://")) return null;
        String rest = connUrl.substring("postgres://".length());
        int colon = rest.indexOf(':');
        return nodeNamed(colon < 0 ? rest : rest.substring(0, colon));
    }

    boolean linked(Node a, Node b) {
        return a == b || !linkCut[a.index][b.index];
    }

    /** The peer prober: GET /patroni of every other member, answered live by the simulated nodes. */
    Map<String, PeerStatus> probe(Node self, List<Member> members) {
        Map<String, PeerStatus> out = new HashMap<>();
        long waited = 0;
        for (Member m : members) {
            if (m.name().equals(self.name) || m.apiUrl() == null) continue;
            Node peer = nodeNamed(m.name());
            if (peer == null || !peer.daemonUp() || !linked(self, peer) || peer.restLoss > 0) {
                out.put(m.name(), PeerStatus.unreachable(m.name()));
                if (peer != null && peer.daemon != null && linked(self, peer)) waited = 2_000;  // timed out
                continue;
            }
            if (peer.delays > 0) {
                waited = Math.max(waited, Math.min(peer.restDelay, 2_000));
                if (peer.restDelay >= 2_000) {
                    out.put(m.name(), PeerStatus.unreachable(m.name()));
                    continue;
                }
            }
            out.put(m.name(), statusOf(peer));
        }
        chargeLoop(self, waited);
        return out;
    }

    /** What a peer's {@code GET /patroni} says, as {@code PeerProber} parses it. */
    private PeerStatus statusOf(Node peer) {
        var local = peer.pg.observe();
        String state = MemberDataBuilder.state(local, peer.daemon.backgroundTask(), isPaused());
        String role = MemberDataBuilder.role(local);
        boolean running = state.equals("running");
        boolean primary = running && role.equals("primary");
        Map<String, Object> tags = Map.of();
        // a postgres that does not answer gives no xlog and no timeline in GET /patroni (0 to the prober): the
        // simulation used to report the position of a stopped data directory, so a leader took a crashed switchover
        // candidate for a healthy one and demoted for it (seed 320), which the real REST API never shows
        boolean answers = local.isRunning();
        return new PeerStatus(peer.name, true, primary, answers ? local.walPosition() : 0,
                answers ? local.timeline() : 0, Tags.failoverPriority(tags), running, Tags.noFailover(tags));
    }

    private boolean paused;

    boolean isPaused() {
        return paused;
    }

    /** Invariant 3, checked as a node is promoted (before its promotion takes effect). */
    void onPromote(Node n) {
        long position = n.pg.wal().end();
        ClusterView view = observe();
        boolean manual = n.promoteIsManual;
        long optime = view == null ? 0 : view.status().optime();
        trace.add(n.name, String.format(Locale.ROOT, "promoting at %x (published optime %x, %s)", position, optime,
                manual ? "manual" : "automatic"));
        checkSyncDurability(n, view);
        if (!manual && optime - position > MAX_LAG) {
            // not thrown here: the shell's code is on the stack and would take it for a failed operation
            violated(String.format(Locale.ROOT, "invariant 3 (failover lag): %s promoted by an automatic"
                    + " failover at %x, %d bytes behind the last optime %x the old primary published"
                    + " (maximum_lag_on_failover %d)", n.name, position, optime - position, optime, MAX_LAG));
        }
    }

    /**
     * Invariant 2 (synchronous mode), as {@code n} is promoted: every commit acknowledged while {@code /sync} named its
     * primary as leader is in {@code n}'s WAL. An operator's failover to a member outside {@code /sync} is exempt
     * (Patroni lets the operator force it).
     */
    private void checkSyncDurability(Node n, ClusterView view) {
        if (syncMode.equals("off")) return;
        if (n.promoteIsManual && n.promoteForcedOutsideSync) {
            // the commits this promotion drops are the operator's choice: no later promotion can bring them back
            int before = syncAcknowledged.size();
            syncAcknowledged.removeIf(c -> !n.pg.wal().contains(c.segment(), c.lsn()));
            trace.add(n.name, "operator's failover to a candidate /sync does not vouch for: invariant 2 does not apply"
                    + " to this promotion (" + (before - syncAcknowledged.size()) + " acknowledged commits forfeited)");
            return;
        }
        List<String> lost = SyncDurability.check(syncAcknowledged,
                List.of(new SyncDurability.Promotion(time.now(), n.name, n.pg.wal())));
        if (!lost.isEmpty()) {
            violated(lost.get(0) + (lost.size() > 1 ? " (and " + (lost.size() - 1) + " more)" : "") + "; /sync "
                    + (view == null ? "unknown" : view.sync()));
        }
    }

    /** The standbys streaming from {@code primary} now (connected walreceivers), in node order. */
    List<Node> standbysOf(Node primary) {
        List<Node> out = new ArrayList<>();
        for (Node x : nodes) {
            if (x != primary && x.pg.isReplica() && x.pg.streaming() && primary.name.equals(x.pg.upstream())
                    && linked(x, primary)) {
                out.add(x);
            }
        }
        return out;
    }

    ClusterView observe() {
        // the view changes only with the store's revision: every acknowledged commit asks for it, so keep the last
        long revision = server.revision();
        if (revision == observedRevision) return observed;
        try {
            observed = observer.load();
        } catch (DcsException e) {
            observed = null;
        }
        observedRevision = revision;
        return observed;
    }

    private long observedRevision = -1;
    private ClusterView observed;

    // ---- after every event: replication, watchers, invariants ---------------------------------------------------

    private String pendingViolation;

    /** Records a violation found inside a call of the shell; the run stops once the current event is over. */
    void violated(String message) {
        if (pendingViolation == null) pendingViolation = message;
    }

    private void afterEvent() {
        if (pendingViolation != null) throw new Violation(pendingViolation);
        replicate();
        settleWaitingCommits();
        watchers();
        checkSafety();
    }

    private void replicate() {
        for (Node n : nodes) {
            if (!n.pg.isReplica()) continue;
            Node up = nodeNamed(n.pg.upstream());
            SimPostgres source = up == null || !linked(n, up) ? null : up.pg;
            n.pg.streamFrom(source, n.stalls > 0);
        }
    }

    private void watchers() {
        long revision = server.revision();
        if (revision == lastRevision) return;
        lastRevision = revision;
        // members/ and status change at every cycle and never matter to the fingerprint: decode the cluster (the
        // costly part) only when one of the other keys changed
        String raw = watchedKeys();
        if (raw.equals(lastWatchedKeys)) return;
        lastWatchedKeys = raw;
        ClusterView view = observe();
        if (view == null) return;
        String fp = null;
        for (Node n : nodes) {
            if (!n.daemonUp() || n.dcsCut > 0) continue;
            if (fp == null) fp = n.daemon.fingerprint(view);
            if (!fp.equals(n.fingerprint)) {
                n.fingerprint = fp;
                wake(n);
            }
        }
    }

    private String lastWatchedKeys = "";

    /** Key, mod revision and session of every key except members/ and status: a change here may change fingerprints. */
    private String watchedKeys() {
        StringBuilder b = new StringBuilder();
        try {
            for (var kv : observer.store().getPrefix(observer.basePath())) {
                String k = kv.key();
                if (k.startsWith("members/", observer.basePath().length()) || k.endsWith("/status")) continue;
                b.append(k).append('@').append(kv.modRevision()).append('/').append(kv.session()).append(';');
            }
        } catch (DcsException e) {
            throw new IllegalStateException("the observer's store is never partitioned", e);
        }
        return b.toString();
    }

    private String leaderKeyHolder() {
        try {
            var kvs = observer.store().getPrefix(observer.key("leader"));
            return kvs.isEmpty() ? null : kvs.get(0).value();
        } catch (DcsException e) {
            throw new IllegalStateException("the observer's store is never partitioned", e);
        }
    }

    /**
     * The node's own view of maintenance mode (its last cycle's config): a primary cut off from the DCS while paused
     * cannot learn of the resume and stays unmanaged, by design (Patroni's too).
     */
    private static boolean believesPaused(Node n) {
        var in = n.lastInput;
        if (in == null) return false;
        return in.cluster() != null && in.cluster().config() != null ? in.cluster().config().isPaused()
                : in.settings().dynamic().isPaused();
    }

    /** Invariant 1, after every event. */
    private void checkSafety() {
        long now = time.now();
        String holder = leaderKeyHolder();
        List<Node> entitled = new ArrayList<>();
        for (Node n : nodes) {
            if (n.name.equals(holder)) n.lastHeldLock = now;
            if (!n.pg.acceptsWrites()) {
                n.writerSince = -1;
                n.exemptWindowOpen = false;
                continue;
            }
            if (n.writerSince < 0) n.writerSince = now;
            long since = Math.max(n.lastHeldLock, n.writerSince);
            boolean overdue = now - since > timings.marginMillis();
            // failsafe mode: every member of /failsafe accepted this primary, and none races for ttl after that, so
            // it may write until then (a second writable primary in that time is still a split brain below)
            long confirmed = n.daemon == null || n.daemon.failsafe() == null ? 0 : n.daemon.failsafe().keptLeadingAt();
            if (overdue && confirmed > 0 && now - Math.max(confirmed, n.writerSince) <= timings.ttlMillis()) {
                overdue = false;
            }
            boolean exempt = n.frozen || paused || believesPaused(n);
            if (overdue && exempt) {
                if (!n.exemptWindowOpen) {
                    n.exemptWindowOpen = true;
                    exemptWindows++;
                    trace.add(n.name, (n.frozen ? "frozen daemon" : "paused cluster (as this node last saw it)")
                            + ": postgres accepts writes past its lock (exempt window)");
                }
                continue;
            }
            n.exemptWindowOpen = false;
            if (overdue) {
                throw new Violation(String.format(Locale.ROOT, "invariant 1 (stale primary): %s accepts writes %.3fs"
                        + " after its leader lock expired (margin %ds = loop_wait + retry_timeout); lock now held by"
                        + " %s", n.name, (now - n.lastHeldLock) / 1000.0, timings.marginMillis() / 1000, holder));
            }
            if (!exempt) entitled.add(n);
        }
        if (entitled.size() > 1) {
            StringBuilder b = new StringBuilder("invariant 1 (split brain): ").append(entitled.size())
                    .append(" nodes accept writes with a valid lock at once:");
            for (Node n : entitled) {
                b.append(' ').append(n.name).append(n.name.equals(holder) ? " (holds the lock)"
                        : String.format(Locale.ROOT, " (lock held %.3fs ago)", (now - n.lastHeldLock) / 1000.0));
            }
            throw new Violation(b.toString());
        }
        if (healedAt >= 0 && convergedAt < 0 && now >= nextLivenessCheck) {
            nextLivenessCheck = now + 1000;
            if (livenessViolation() == null) {
                convergedAt = now;
                trace.add("-", String.format(Locale.ROOT, "converged %.3fs after the heal", (now - healedAt) / 1000.0));
                throw new Converged();
            }
        }
    }

    private long nextLivenessCheck;

    /** Ends a run early: after the heal, the cluster converged. */
    static final class Converged extends RuntimeException {
        Converged() {
            super(null, null, false, false);
        }
    }

    /** Invariant 4: one primary holding the lock, every other node streaming from it on its timeline. Null: holds. */
    String livenessViolation() {
        String holder = leaderKeyHolder();
        List<String> problems = new ArrayList<>();
        Node primary = null;
        for (Node n : nodes) {
            if (n.pg.acceptsWrites()) {
                if (primary != null) problems.add("two primaries " + primary.name + " and " + n.name);
                primary = n;
            }
        }
        if (primary == null) problems.add("no primary");
        else if (!primary.name.equals(holder)) problems.add("primary " + primary.name + " does not hold the lock ("
                + holder + " does)");
        for (Node n : nodes) {
            if (n == primary) continue;
            if (!n.pg.isReplica()) {
                problems.add(n.name + " is not a running replica (" + n.pg + ")");
            } else if (primary != null && (!primary.name.equals(n.pg.upstream()) || !n.pg.streaming()
                    || n.pg.wal().timeline() != primary.pg.wal().timeline())) {
                problems.add(n.name + " does not stream from " + primary.name + " on timeline "
                        + primary.pg.wal().timeline() + " (" + n.pg + ")");
            }
        }
        if (problems.isEmpty()) return null;
        return String.format(Locale.ROOT, "invariant 4 (liveness): %d ttl after the faults ended: %s", LIVENESS_TTLS,
                String.join("; ", problems));
    }

    // ---- the client --------------------------------------------------------------------------------------------

    /**
     * A client commit on a primary (any of them in a split brain). With {@code synchronous_standby_names} set it waits
     * for the standbys it names ({@link SyncRep}); acknowledged at once otherwise.
     */
    private void clientWrite() {
        List<Node> writers = new ArrayList<>();
        for (Node n : nodes) if (n.pg.acceptsWrites()) writers.add(n);
        if (!writers.isEmpty()) {
            Node n = writers.get(writers.size() == 1 ? 0 : rnd.nextInt(writers.size()));
            long lsn = n.pg.write(between(32_768, 1_048_576));
            Commit c = new Commit(time.now(), n.name, n.pg.wal().last().uid(), lsn);
            if (new SyncRep(n.pg.syncStandbyNames(), standbysOf(n)).off()) acknowledge(c);
            else waiting.add(c);
        }
        time.after(between(200, 3_000), "client", this::clientWrite);
    }

    /**
     * After every event (replication ran): a waiting commit is acknowledged once its primary's standbys hold it, as
     * its primary's current synchronous_standby_names asks; it is never acknowledged once that primary stopped being
     * one (crash, stop, demotion: the client gets an error).
     */
    private void settleWaitingCommits() {
        if (waiting.isEmpty()) return;
        for (var it = waiting.iterator(); it.hasNext(); ) {
            Commit c = it.next();
            Node n = nodeNamed(c.node());
            if (!n.pg.acceptsWrites() || n.pg.wal().segment(c.segment()) == null) {
                it.remove();
                continue;
            }
            if (new SyncRep(n.pg.syncStandbyNames(), standbysOf(n)).acknowledged(c.segment(), c.lsn())) {
                it.remove();
                acknowledge(new Commit(time.now(), c.node(), c.segment(), c.lsn()));
            }
        }
    }

    private void acknowledge(Commit c) {
        acknowledged.add(c);
        if (syncMode.equals("off")) return;
        ClusterView view = observe();
        if (view != null && view.sync() != null && c.node().equals(view.sync().leader())) syncAcknowledged.add(c);
    }

    // ---- faults ------------------------------------------------------------------------------------------------

    private void inject(Fault f) {
        trace.add(f.node() >= 0 ? nodes[f.node()].name : "-", "FAULT " + f);
        Node n = f.node() >= 0 ? nodes[f.node()] : null;
        switch (f.kind()) {
            case KILL -> {
                if (n.daemon == null) return;
                kill(n);
                time.after(f.duration(), "restart " + n.name, () -> {
                    if (n.daemon == null) startDaemon(n);
                });
            }
            case PG_CRASH -> n.pg.crash();
            case FREEZE -> {
                if (n.daemon == null || n.frozen) return;
                freeze(n);
                time.after(f.duration(), "thaw " + n.name, () -> thaw(n));
            }
            case DCS_CUT -> {
                cutDcs(n, 1);
                time.after(f.duration(), "dcs back " + n.name, () -> cutDcs(n, -1));
            }
            case DCS_CUT_ALL -> {
                for (Node x : nodes) cutDcs(x, 1);
                time.after(f.duration(), "dcs back", () -> {
                    for (Node x : nodes) cutDcs(x, -1);
                });
            }
            case PARTITION -> {
                isolate(n, 1, f.amount() == 1);
                time.after(f.duration(), "partition over " + n.name, () -> isolate(n, -1, f.amount() == 1));
            }
            case SLOW_PG -> {
                n.slow++;
                n.slowExtra = f.amount();
                time.after(f.duration(), "fast again " + n.name, () -> n.slow--);
            }
            case REST_LOSS -> {
                n.restLoss++;
                time.after(f.duration(), "rest back " + n.name, () -> n.restLoss--);
            }
            case REST_DELAY -> {
                n.delays++;
                n.restDelay = f.amount();
                time.after(f.duration(), "rest prompt " + n.name, () -> n.delays--);
            }
            case REPLICATION_STALL -> {
                n.stalls++;
                time.after(f.duration(), "stall over " + n.name, () -> n.stalls--);
            }
            case SWITCHOVER -> operatorFailover(true, f.other() < 0 ? null : nodes[f.other()]);
            case FAILOVER -> operatorFailover(false, nodes[f.other()]);
            case PAUSE -> {
                setPause(true);
                time.after(f.duration(), "resume", () -> setPause(false));
            }
        }
    }

    private void kill(Node n) {
        stopDaemon(n);
        n.pg.crash();
    }

    private void stopDaemon(Node n) {
        n.daemon = null;
        n.incarnation++;
        n.frozen = false;
        n.deferred.clear();
        if (n.nextCycle != null) n.nextCycle.cancel();
        n.nextCycle = null;
        n.nextCycleAt = Long.MAX_VALUE;
        n.busyUntil = 0;
    }

    private void freeze(Node n) {
        n.frozen = true;
        if (n.nextCycle != null) n.nextCycle.cancel();
        n.nextCycle = null;
        n.nextCycleAt = Long.MAX_VALUE;
    }

    private void thaw(Node n) {
        if (!n.frozen) return;
        n.frozen = false;
        trace.add(n.name, "daemon resumed (SIGCONT)");
        List<Runnable> due = new ArrayList<>(n.deferred);
        n.deferred.clear();
        due.forEach(Runnable::run);
        // the loop goes on at once (its sleep ran out while it was stopped), within this event: the exemption of a
        // frozen daemon ends with the cycle that can first notice the lost lock
        if (n.nextCycle != null) n.nextCycle.cancel();
        n.nextCycle = null;
        n.nextCycleAt = Long.MAX_VALUE;
        cycle(n);
    }

    private void cutDcs(Node n, int delta) {
        n.dcsCut += delta;
        if (n.dcsCut > 0) server.partition(n.name);
        else server.heal(n.name);
    }

    private void isolate(Node n, int delta, boolean dcsToo) {
        for (Node o : nodes) {
            if (o == n) continue;
            linkCuts[n.index][o.index] += delta;
            linkCuts[o.index][n.index] += delta;
            linkCut[n.index][o.index] = linkCuts[n.index][o.index] > 0;
            linkCut[o.index][n.index] = linkCuts[o.index][n.index] > 0;
        }
        if (dcsToo) cutDcs(n, delta);
    }

    /**
     * An operator's switchover or failover, sent to a node's REST API, which writes the {@code failover} key through
     * its DCS client (as POST /switchover and /failover do once their checks pass). Refused when that node's daemon
     * does not answer or cannot reach the DCS.
     */
    private void operatorFailover(boolean switchover, Node candidate) {
        ClusterView view = observe();
        String leader = view == null || view.leader() == null ? null : view.leader().name();
        Node via = switchover ? nodeNamed(leader) : candidate;
        if (switchover && (leader == null || candidate != null && candidate.name.equals(leader))) {
            trace.add("-", "operator: switchover refused (no leader, or the candidate is the leader)");
            return;
        }
        if (via == null || !via.daemonUp() || via.dcsCut > 0) {
            trace.add("-", "operator: request refused: the REST API of " + (via == null ? "?" : via.name)
                    + " does not answer or cannot reach the DCS");
            return;
        }
        Failover request = new Failover(0, switchover ? leader : null, candidate == null ? null : candidate.name, null);
        try {
            via.daemon.dcs().setFailover(request, null);
            trace.add("-", "operator: " + (switchover ? "switchover" : "failover") + " written: "
                    + DcsJson.failoverToJson(request.leader(), request.candidate(), null));
            wake(via);
        } catch (DcsException e) {
            trace.add("-", "operator: failover key not written: " + e.getMessage());
        }
    }

    /** patronictl pause/resume: rewrites {@code config} with CAS. */
    private void setPause(boolean on) {
        if (on) pauses++;
        else if (--pauses > 0) return;
        ClusterView view = observe();
        if (view == null || view.config() == null) {
            trace.add("-", "operator: " + (on ? "pause" : "resume") + " skipped: no config yet");
            paused = view != null && view.isPaused();
            return;
        }
        Map<String, Object> data = new LinkedHashMap<>(view.config().data());
        if (on) data.put("pause", true);
        else data.remove("pause");
        try {
            boolean ok = observer.setConfigValue(DcsJson.configToJson(data), view.config().version());
            trace.add("-", "operator: " + (on ? "pause" : "resume") + (ok ? "" : " lost a CAS race"));
        } catch (DcsException e) {
            trace.add("-", "operator: " + (on ? "pause" : "resume") + " failed: " + e.getMessage());
        }
        ClusterView after = observe();
        paused = after != null && after.isPaused();
    }

    /** End of the fault window: everything back to normal. */
    private void healAll() {
        trace.add("-", "HEAL: faults over, restarting and reconnecting everything");
        healedAt = time.now();
        nextLivenessCheck = healedAt;
        for (Node n : nodes) {
            n.dcsCut = 0;
            server.heal(n.name);
            n.restLoss = 0;
            n.delays = 0;
            n.stalls = 0;
            n.slow = 0;
            for (Node o : nodes) {
                linkCut[n.index][o.index] = false;
                linkCuts[n.index][o.index] = 0;
            }
            if (n.frozen) thaw(n);
            if (n.daemon == null) startDaemon(n);
        }
        if (pauses > 0 || paused) {
            pauses = 1;
            setPause(false);
        }
        for (Node n : nodes) wake(n);
    }
}
