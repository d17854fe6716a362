package dev.regent.daemon.loop;

import dev.regent.core.config.UnsupportedSettings;
import dev.regent.core.ha.Command;
import dev.regent.core.ha.Decision;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.sync.SyncFacts;
import dev.regent.core.sync.SyncMode;
import dev.regent.core.sync.SyncObserved;
import dev.regent.core.sync.SyncReadiness;
import dev.regent.core.sync.SyncRelease;
import dev.regent.core.ha.DivergenceRule;
import dev.regent.core.ha.RemotePrimaryDivergence;
import dev.regent.core.ha.FailsafeAnswer;
import dev.regent.core.ha.FailsafeFacts;
import dev.regent.core.ha.FailsafeRule;
import dev.regent.core.ha.HaInput;
import dev.regent.core.ha.HaSettings;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.NodeMemory;
import dev.regent.core.ha.ObservationPlan;
import dev.regent.core.ha.PeerStatus;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.StandbyCluster;
import dev.regent.core.model.Tags;
import dev.regent.dcs.Dcs;
import dev.regent.dcs.DcsException;
import dev.regent.time.Deadline;
import dev.regent.time.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HA loop: observe (DCS snapshot, local PostgreSQL), decide (the pure decider), act (executor), publish. One
 * thread owns the node memory; the REST API only reads published {@link CycleReport}s and enqueues commands.
 * A cycle runs every {@code loop_wait} seconds, or earlier when woken: by a relevant DCS change (leader, failover,
 * config, initialize, sync), a REST command, or the end of a background task.
 *
 * <p>Everything taken from outside the decision (time, waits, the background slot, peer probes, the process exit)
 * comes from a {@link LoopEnvironment}, so a simulator can run the real {@link #cycle()} on simulated time without
 * {@link #start() starting} any thread.
 */
public final class HaLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HaLoop.class);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private final String name;
    private final Dcs dcs;
    private final PostgresPort pg;
    private final Function<HaInput, Decision> decider;
    private final SettingsProvider settingsProvider;
    private final PeerProbe prober;
    private final MemberDataBuilder memberData;
    private final Consumer<CycleReport> publisher;
    private final LoopEnvironment env;
    private final Ticker ticker;
    private final BackgroundRunner slot;
    private final ActionExecutor executor;
    private final ScheduledRestarts scheduledRestarts = new ScheduledRestarts();
    private final FailsafeState failsafe;
    private volatile FailsafeCaller failsafeCaller = FailsafeCaller.SILENT;
    private volatile dev.regent.daemon.watchdog.Watchdog watchdog;
    private final ConcurrentLinkedQueue<Command> commands = new ConcurrentLinkedQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean wakeRequested;
    private volatile boolean stopped;
    private Thread loopThread;
    private Thread watchThread;

    private NodeMemory memory = NodeMemory.INITIAL;
    private ClusterView lastCluster;
    private volatile LocalPostgres lastLocal;
    private volatile HaSettings cycleSettings;
    /** Set while this replica asks to be released from synchronous duty before it stops (see {@link SyncRelease}). */
    private volatile boolean releasingSync;
    /** Which standbys are confirmed synchronous (primary only); see {@link #observeSync}. */
    private SyncReadiness syncReadiness = SyncReadiness.INITIAL;
    /**
     * When this loop first saw its postgres run as primary after seeing it as a replica (-1: replica or not yet
     * seen; 0: primary since this process started, so not a fresh promotion).
     */
    private long primarySinceMillis;
    /** synchronous_standby_names changed in the last cycle: look again after a second to publish the standbys. */
    private volatile boolean syncSettling;
    private long dcsLastSeenEpoch;
    private String lastMessage;
    /** Patroni's log.deduplicate_heartbeat_logs; null (unset) keeps Regent's default, deduplicated. */
    private volatile Boolean deduplicateHeartbeatLogs;
    private HaSettings lastSettings;
    private volatile Consumer<HaSettings> settingsListener = s -> { };
    private volatile DecisionObserver decisionObserver = DecisionObserver.NONE;

    /**
     * Sees every cycle's input and decision, and how its actions ended (the decision ledger). Called on the loop
     * thread after the actions ran (before them for a fatal exit, which ends the process); must not block long. An
     * exception it throws is logged and does not disturb the cycle.
     */
    public interface DecisionObserver {
        DecisionObserver NONE = (in, d, failed, outcome) -> { };

        /**
         * @param failed  the action that did not proceed (refused or failed), or null when all did
         * @param outcome how {@code failed} ended, or null
         */
        void observe(HaInput in, Decision d, dev.regent.core.ha.action.Action failed,
                     dev.regent.core.ha.ActionOutcome outcome);
    }

    /**
     * The production loop: {@link LoopEnvironment#system} (real monotonic time, a thread-backed slot, a halting exit)
     * with wall time from {@code wallClock}.
     */
    public HaLoop(String name, Dcs dcs, PostgresPort pg, Function<HaInput, Decision> decider,
                  SettingsProvider settingsProvider, PeerProbe prober, MemberDataBuilder memberData,
                  Consumer<CycleReport> publisher, Clock wallClock) {
        this(name, dcs, pg, decider, settingsProvider, memberData, publisher,
                LoopEnvironment.system(prober).withTicker(withWallClock(wallClock)));
    }

    /** A loop whose time, waits, background slot, peer probes and exit come from {@code env}. */
    public HaLoop(String name, Dcs dcs, PostgresPort pg, Function<HaInput, Decision> decider,
                  SettingsProvider settingsProvider, MemberDataBuilder memberData, Consumer<CycleReport> publisher,
                  LoopEnvironment env) {
        this.name = name;
        this.dcs = dcs;
        this.pg = pg;
        this.decider = decider;
        this.settingsProvider = settingsProvider;
        this.prober = env.peers();
        this.memberData = memberData;
        this.publisher = publisher;
        this.env = env;
        this.ticker = env.ticker();
        this.slot = env.background().apply(this::wakeUp);
        this.executor = new ActionExecutor(dcs, pg, slot, ticker, env.sleeper(), scheduledRestarts, env.exit());
        this.failsafe = new FailsafeState(memberData.apiUrl());
        executor.setFailsafeState(failsafe);
        // a replica's restart in sync mode: released from /sync first, nosync withdrawn after (Patroni 4)
        executor.guardReplicaRestart(this::releaseSyncStandby, () -> releasingSync = false);
    }

    private static Ticker withWallClock(Clock wallClock) {
        return new Ticker() {
            @Override
            public long nanoTime() {
                return Ticker.SYSTEM.nanoTime();
            }

            @Override
            public long wallMillis() {
                return wallClock.millis();
            }
        };
    }

    /** Start the loop and watcher threads. */
    public void start() {
        loopThread = new Thread(this::runLoop, "regent-ha-loop");
        loopThread.start();
        watchThread = new Thread(this::runWatcher, "regent-dcs-watch");
        watchThread.setDaemon(true);
        watchThread.start();
    }

    /** Called on the loop thread with each cycle's settings, before deciding (e.g. to apply changed parameters). */
    /** Where the executor reports the moments the REST status must follow at once (ActionExecutor.StatusEvents). */
    public void setStatusEvents(ActionExecutor.StatusEvents events) {
        executor.setStatusEvents(events);
    }

    /** How a primary in failsafe mode asks the members of {@code /failsafe} (default: nobody answers). */
    public void setFailsafeCaller(FailsafeCaller caller) {
        this.failsafeCaller = Objects.requireNonNull(caller, "caller");
    }

    /** The node's watchdog (none by default): armed while this node leads unpaused, closed otherwise. */
    public void setWatchdog(dev.regent.daemon.watchdog.Watchdog w) {
        this.watchdog = w;
        executor.setWatchdog(w, () -> lastSettings == null ? 10 : lastSettings.loopWaitSeconds());
    }

    /** The node's watchdog, or null. */
    public dev.regent.daemon.watchdog.Watchdog watchdog() {
        return watchdog;
    }

    /** This node's failsafe-mode state (the REST API accepts {@code POST /failsafe} into it). */
    public FailsafeState failsafe() {
        return failsafe;
    }

    /**
     * Failsafe mode is on in the dynamic configuration in force (the cached one while the DCS is unreachable);
     * false before the first cycle.
     */
    public boolean failsafeModeEnabled() {
        HaSettings s = cycleSettings;
        ClusterView c = lastCluster;
        ClusterConfig config = c != null && c.config() != null ? c.config() : s == null ? null : s.dynamic();
        return FailsafeRule.enabled(config);
    }

    /** ttl in force (30 before the first cycle). */
    public int ttlSeconds() {
        HaSettings s = cycleSettings;
        return s == null ? 30 : s.ttlSeconds();
    }

    /** The last local observation, or null before the first cycle. */
    public LocalPostgres lastLocal() {
        return lastLocal;
    }

    /**
     * {@code log.deduplicate_heartbeat_logs}: {@code false} logs every cycle's message at INFO, as Patroni does by
     * default; {@code true} or null (unset, Regent's default) logs a message at INFO when it changes and its repeats at
     * DEBUG.
     */
    public void setDeduplicateHeartbeatLogs(Boolean deduplicate) {
        this.deduplicateHeartbeatLogs = deduplicate;
    }

    /** Where every cycle's decision goes besides the executor (the decision ledger); none by default. */
    public void setDecisionObserver(DecisionObserver observer) {
        this.decisionObserver = Objects.requireNonNull(observer, "observer");
    }

    public void setSettingsListener(Consumer<HaSettings> listener) {
        this.settingsListener = listener;
    }

    /** Name of the long action in progress, or null. */
    public String backgroundTask() {
        return slot.running();
    }

    /** Queue an operator command for the next cycle and wake the loop. */
    public void submit(Command command) {
        commands.add(command);
        wakeUp();
    }

    /**
     * Keep a restart for the HA loop to run at its time (Patroni's schedule_future_restart) and wake the loop so the
     * member key shows it at once. False when another restart is already scheduled.
     */
    public boolean scheduleRestart(ScheduledRestarts.Entry entry) {
        boolean ok = scheduledRestarts.schedule(entry);
        if (ok) wakeUp();
        return ok;
    }

    /** Drop the scheduled restart (Patroni's delete_future_restart); false when none was scheduled. */
    public boolean cancelScheduledRestart() {
        boolean had = scheduledRestarts.cancel();
        if (had) wakeUp();
        return had;
    }

    /** The scheduled restart, or null. */
    public ScheduledRestarts.Entry scheduledRestart() {
        return scheduledRestarts.current();
    }

    /** Run the next cycle now. */
    public void wakeUp() {
        lock.lock();
        try {
            wakeRequested = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void runLoop() {
        while (!stopped) {
            long started = ticker.monotonicMillis();
            // after a cycle that failed, the next one still comes within loop_wait: a leader must get to renew its
            // lock before a short ttl (the fast failover profile) runs out
            long delay = (lastSettings == null ? 10 : lastSettings.loopWaitSeconds()) * 1000L;
            try {
                delay = nextCycleDelayMillis(cycle());
            } catch (RuntimeException e) {
                // One bad cycle is logged with its stack trace and never kills the loop.
                LOG.error("unexpected error in HA cycle", e);
            }
            sleepUntil(started + delay);
        }
    }

    /**
     * How long after a cycle's start the next one runs unless the loop is woken: 100 ms when {@code again} (the cycle
     * returned true: a failed action asks for a prompt re-decision), 1 s while postgres is in transition, otherwise
     * loop_wait. The loop thread sleeps by it; a simulator schedules its next cycle by it.
     */
    public long nextCycleDelayMillis(boolean again) {
        if (again) return 100;
        if (transitional()) return 1000;
        return (lastSettings == null ? 10 : lastSettings.loopWaitSeconds()) * 1000L;
    }

    /**
     * One HA cycle: observe, decide, act, publish, on the calling thread. {@link #start()} calls it from the loop
     * thread; a simulator calls it directly (never both). Returns true when a failed action asks for a prompt
     * re-decision (the loop then runs again after 100 ms instead of loop_wait).
     */
    public boolean cycle() {
        // What runs in the background is read once, before anything is observed: a task that ends during the cycle
        // (a promotion) must not be taken as absent while the local observation still predates its effect (the
        // decider then promoted a second time). The slot publishes a finished task before it frees itself, so a task
        // seen as ended here has its result taken just below; one that ends later wakes the next cycle.
        String background = slot.running();
        BackgroundRunner.Finished finished = slot.takeFinished();
        if (finished != null && finished.memoryUpdate() != null) {
            memory = finished.memoryUpdate().apply(memory);
        }
        ClusterView cluster;
        try {
            cluster = dcs.load();
            lastCluster = cluster;
            failsafe.setTopology(cluster.failsafe());
            dcsLastSeenEpoch = ticker.wallMillis() / 1000;
        } catch (DcsException e) {
            LOG.warn("DCS is not accessible: {}", e.getMessage());
            cluster = null;
        }
        LocalPostgres local = pg.observe();
        HaSettings settings = settingsProvider.settings(cluster);
        cycleSettings = settings;
        logUnsupportedDynamicSettings(settings);
        applyDcsSettings(settings);
        settingsListener.accept(settings);
        ObservationPlan plan = ObservationPlan.forCycle(cluster, local, name);
        Map<String, PeerStatus> peers = plan.probePeers() ? prober.probe(FailsafeRule.knownMembers(cluster,
                cluster.config() != null ? cluster.config() : settings.dynamic()), name) : Map.of();
        if (plan.reobserveLocalAfterProbe()) local = ObservationPlan.afterProbe(local, pg.observe());
        memory = noteDivergenceRisk(cluster, local, memory, peers, background);
        memory = noteRemoteDivergence(cluster, local, memory, background);
        List<Command> cmds = new ArrayList<>();
        for (Command c; (c = commands.poll()) != null; ) cmds.add(c);
        long now = ticker.monotonicMillis();
        ScheduledRestarts.Entry scheduled = scheduledRestarts.current();
        dev.regent.core.ha.ScheduledRestart restart = scheduled == null ? null : scheduled.restart();
        SyncObserved sync = observeSync(cluster, local, settings, now);
        HaInput input = new HaInput(cluster, local, settings, memory, peers, background, cmds, now,
                ticker.wallMillis(), restart, sync, askFailsafe(cluster, local, settings),
                watchdog == null || watchdog.isHealthy(settings.ttlSeconds(), settings.loopWaitSeconds()));
        Decision decision = decider.apply(input);
        decision.infos().forEach(LOG::info);  // why the decider chose so (Patroni logs these while deciding)
        decision.warnings().forEach(LOG::warn);
        // a fatal decision's message is logged once, at CRITICAL, by the executor's exit (as Patroni's fatal lines)
        boolean fatal = decision.actions().stream()
                .anyMatch(a -> a instanceof dev.regent.core.ha.action.Action.FatalExit);
        if (!fatal) logMessage(decision.message(), cluster);
        if (fatal) observeDecision(input, decision, null, null);
        ActionExecutor.Result result = executor.run(decision.actions(), new ActionExecutor.Context(cluster, local,
                settings.ttlSeconds(), settingsProvider.startTimeout(settings), settingsProvider.bootstrapDcsJson(),
                settings.removeDataDirectoryOnRewindFailure() || settings.removeDataDirectoryOnDivergedTimelines(),
                memory.rewindOrReinitNeeded(), restart, lastCluster), decision.memory());
        memory = result.memory();
        if (!fatal) {
            observeDecision(input, decision, result.allSucceeded() ? null : result.failed(),
                    result.allSucceeded() ? null : result.outcome());
        }
        // Patroni resets failsafe after every cycle that read the DCS as the leader (its run_cycle's finally)
        if (cluster != null && memory.wasLeader()) failsafe.reset();
        disarmWatchdogUnlessLeading(cluster, settings);
        syncSettling = executor.takeSyncStandbyNamesChanged();
        LocalPostgres after = decision.actions().isEmpty() ? local : pg.observe();
        lastLocal = after;
        // Publish first, then write the member key: the REST API must never be behind what the DCS says of this
        // node. A client that saw "running" in the member key and asked GET /replica at once got a 503 from the
        // previous cycle's status (StandbyClusterEndToEndTest in CI); Patroni's API asks postgres live.
        publisher.accept(new CycleReport(cluster, lastCluster, after, memory, settings, decision.message(),
                slot.runningState(), dcsLastSeenEpoch, now + settings.loopWaitSeconds() * 1000L,
                ticker.monotonicMillis()));
        if (cluster != null) touchMember(after, settings, cluster);
        return !result.allSucceeded();
    }

    private void observeDecision(HaInput input, Decision decision, dev.regent.core.ha.action.Action failed,
                                 dev.regent.core.ha.ActionOutcome outcome) {
        try {
            decisionObserver.observe(input, decision, failed, outcome);
        } catch (RuntimeException e) {
            // the ledger explains decisions; a fault in it must never stop the node from making them
            LOG.warn("could not record the decision in the ledger", e);
        }
    }

    /**
     * Patroni disables the watchdog on demotion, when the lock is lost and while paused: it runs only while this node
     * leads (renewed the lock, or failsafe kept it) and the cluster is not paused.
     */
    private void disarmWatchdogUnlessLeading(ClusterView cluster, HaSettings settings) {
        dev.regent.daemon.watchdog.Watchdog w = watchdog;
        if (w == null || !w.isRunning()) return;
        ClusterConfig config = cluster != null && cluster.config() != null ? cluster.config() : settings.dynamic();
        if (!memory.wasLeader() || config.isPaused()) w.disable();
    }

    /**
     * Failsafe facts for the decider: with the DCS unreadable, a running primary in failsafe mode asks the other
     * members of the last known {@code /failsafe} now ({@link FailsafeRule#membersToAsk}), in parallel and bounded,
     * with Patroni's body ({@code name}, {@code conn_url}, {@code api_url}, {@code slots}). The last snapshot read
     * from the DCS goes along: a replica syncs its slots against it while the DCS is down.
     */
    private FailsafeFacts askFailsafe(ClusterView cluster, LocalPostgres local, HaSettings settings) {
        ClusterConfig config = cluster != null && cluster.config() != null ? cluster.config() : settings.dynamic();
        Map<String, String> topology = failsafe.topology();
        Map<String, String> ask = FailsafeRule.membersToAsk(cluster != null, local, config, topology, name);
        Map<String, FailsafeAnswer> answers = Map.of();
        if (!ask.isEmpty()) {
            Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("name", name);
            body.put("conn_url", memberData.connUrl());
            body.put("api_url", memberData.apiUrl());
            // Patroni 3+/4: the primary's slot positions, which replicas use in place of /status.slots; left out
            // when postgres cannot list them (Patroni logs the exception and sends the rest)
            try {
                body.put("slots", FailsafeRule.bodySlots(pg.replicationSlots(), local, name));
            } catch (PostgresPortException e) {
                LOG.error("Exception when reading the replication slots for POST /failsafe: {}", e.getMessage());
            }
            try {
                answers = failsafeCaller.ask(ask, JSON.writeValueAsString(body));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);  // a map of strings always serializes
            }
        }
        return new FailsafeFacts(topology, answers, failsafe.accepted(), lastCluster);
    }

    /**
     * Synchronous replication facts for the decider: read on a running primary that holds the lock while sync mode is
     * on, with the readiness kept from cycle to cycle ({@link SyncReadiness}, reset whenever this node is no
     * primary); after a new {@code synchronous_standby_names} a little WAL is written so standbys pass the mark soon.
     */
    private SyncObserved observeSync(ClusterView cluster, LocalPostgres local, HaSettings settings, long now) {
        boolean managed = pg.managesSynchronousStandbyNames();
        boolean primary = cluster != null && cluster.isLeader(name) && local.isPrimary();
        if (!primary) {
            syncReadiness = SyncReadiness.INITIAL;
            primarySinceMillis = local.isReplica() ? -1 : primarySinceMillis;
            return new SyncObserved(null, SyncReadiness.INITIAL, -1, managed);
        }
        // a promotion this loop saw (from replica to primary); 0 = primary since this process started
        if (primarySinceMillis == -1) primarySinceMillis = now;
        long sincePromotion = primarySinceMillis > 0 ? now - primarySinceMillis : -1;
        ClusterConfig config = cluster.config() != null ? cluster.config() : settings.dynamic();
        SyncMode mode = SyncMode.of(config);
        if (!mode.enabled()) return new SyncObserved(null, SyncReadiness.INITIAL, sincePromotion, managed);
        SyncFacts facts = pg.observeSync();
        if (facts == null) return new SyncObserved(null, syncReadiness, sincePromotion, managed);
        syncReadiness = syncReadiness.next(facts, cluster.sync(), mode == SyncMode.QUORUM);
        if (syncReadiness.changed()) pg.generateWal();
        return new SyncObserved(facts, syncReadiness, sincePromotion, managed);
    }

    /** The rewind-needed rule ({@link DivergenceRule}) on this cycle's observations; logs its finding. */
    private NodeMemory noteDivergenceRisk(ClusterView cluster, LocalPostgres local, NodeMemory mem,
                                          Map<String, PeerStatus> peers, String background) {
        PeerStatus leader = cluster == null || cluster.leader() == null ? null : peers.get(cluster.leader().name());
        DivergenceRule.Result r = DivergenceRule.note(cluster, local, mem, name, background != null, leader);
        if (r.info() != null) LOG.info(r.info());
        return r.memory();
    }

    /**
     * A standby leader's rewind check against the remote primary ({@link RemotePrimaryDivergence}), when one is due:
     * reads the remote's timeline and history over a replication connection (a remote that does not answer leaves the
     * check for the next cycle) and logs a divergence.
     */
    private NodeMemory noteRemoteDivergence(ClusterView cluster, LocalPostgres local, NodeMemory mem,
                                            String background) {
        if (!RemotePrimaryDivergence.asks(cluster, local, mem, name, background != null)) return mem;
        RemotePrimaryDivergence.Remote remote;
        try {
            remote = pg.remoteTimeline(StandbyCluster.of(cluster.config()).connUrl());
        } catch (PostgresPortException | RuntimeException e) {
            LOG.info("cannot read the remote primary's timeline to check for a rewind: {}", e.getMessage());
            remote = null;
        }
        RemotePrimaryDivergence.Result r = RemotePrimaryDivergence.checked(local, mem, remote);
        if (r.info() != null) LOG.info(r.info());
        return r.memory();
    }

    /**
     * A replica that runs but does not stream yet (its walreceiver is connecting) publishes "streaming" only at its
     * next cycle; checking again after a second instead of loop_wait makes a new or rejoined replica show up as
     * healthy at once (health checks, /replica, the cluster table). Costs a few cycles per state change.
     */
    private boolean transitional() {
        ClusterView c = lastCluster;
        LocalPostgres l = lastLocal;
        // A postgres that runs but did not answer the status query yet (right after a start or a restart in place)
        // is published as "starting": look again after a second, so GET / turns 200 as soon as it accepts writes.
        if (l != null && l.process() == LocalPostgres.ProcessState.STARTING) return true;
        if (syncSettling) return true;
        return c != null && l != null && c.leader() != null && !c.isLeader(name)
                && l.isReplica() && !"streaming".equals(l.replicationState());
    }

    private void touchMember(LocalPostgres local, HaSettings settings, ClusterView cluster) {
        try {
            ScheduledRestarts.Entry scheduled = scheduledRestarts.current();
            Map<String, Object> tags = releasingSync ? SyncRelease.releasingTags(settings.tags()) : settings.tags();
            dcs.touchMember(memberData.build(local, slot.runningState(), Tags.published(tags), cluster.isPaused(),
                    scheduled == null ? null : scheduled.published(), MemberDataBuilder.standbyLeader(cluster, name)));
        } catch (DcsException e) {
            LOG.warn("failed to update member key: {}", e.getMessage());
        }
    }

    /**
     * A {@code /config} written past the REST API's check (edit-config, a Patroni member) may enable a setting Regent
     * does not implement: say so at ERROR every cycle, but go on (a running primary is never stopped for it).
     */
    private void logUnsupportedDynamicSettings(HaSettings s) {
        if (!Objects.equals(s.dynamic(), checkedDynamic)) { // the check walks the whole /config: once per value
            checkedDynamic = s.dynamic();
            unsupportedDynamic = s.dynamic() == null ? null
                    : UnsupportedSettings.refusal(UnsupportedSettings.findDynamic(unsupportedTable,
                            s.dynamic().data()));
        }
        String unsupported = unsupportedDynamic;
        if (unsupported != null) {
            LOG.error("/config enables {}; Regent goes on without it", unsupported);
        }
    }

    private ClusterConfig checkedDynamic;
    private String unsupportedDynamic;
    private volatile List<UnsupportedSettings.Setting> unsupportedTable = UnsupportedSettings.ALL;

    /**
     * Checks {@code /config} by {@code table} instead of {@link UnsupportedSettings#ALL}: for tests, so that the
     * report stays tested when {@code ALL} has no dynamic ERROR row. Call before {@link #start}-ing the loop.
     */
    void unsupportedSettingsTable(List<UnsupportedSettings.Setting> table) {
        this.unsupportedTable = List.copyOf(table);
        this.checkedDynamic = null;
    }

    private void applyDcsSettings(HaSettings s) {
        if (lastSettings == null || lastSettings.ttlSeconds() != s.ttlSeconds()
                || lastSettings.retryTimeoutSeconds() != s.retryTimeoutSeconds()) {
            dcs.reconfigure(Duration.ofSeconds(s.ttlSeconds()), Duration.ofSeconds(s.retryTimeoutSeconds()));
        }
        lastSettings = s;
    }

    /**
     * Log the decision at INFO when it changes, DEBUG when it repeats (Patroni's deduplicate_heartbeat_logs), or at
     * INFO every cycle when deduplicate_heartbeat_logs is false.
     */
    private void logMessage(String message, ClusterView cluster) {
        String line = message; // the decider already prefixes "PAUSE: "
        if (!Objects.equals(line, lastMessage) || Boolean.FALSE.equals(deduplicateHeartbeatLogs)) {
            LOG.info(line);
            lastMessage = line;
        } else {
            LOG.debug(line);
        }
    }

    private void sleepUntil(long deadlineMillis) {
        lock.lock();
        try {
            while (!wakeRequested && !stopped) {
                long left = deadlineMillis - ticker.monotonicMillis();
                if (left <= 0) break;
                wake.await(left, TimeUnit.MILLISECONDS);
            }
            wakeRequested = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Watches the cluster prefix and wakes the loop when something the decision depends on changed. Member keys and
     * {@code status} change on every cycle of every node; waking on them would make the loops chase each other.
     */
    private void runWatcher() {
        String fingerprint = null;
        while (!stopped) {
            try {
                int loopWait = lastSettings == null ? 10 : lastSettings.loopWaitSeconds();
                if (!dcs.watch(Duration.ofSeconds(loopWait))) continue;
                String now = fingerprint(dcs.load());
                // The first change seen must wake the loop too (e.g. the leader key appearing after bootstrap).
                if (!now.equals(fingerprint)) wakeUp();
                fingerprint = now;
            } catch (InterruptedException e) {
                return;
            } catch (DcsException | RuntimeException e) {
                LOG.debug("watch failed: {}", e.getMessage());
                sleepQuietly(Duration.ofSeconds(1));
            }
        }
    }

    /**
     * The watcher's wake rule: the loop is woken early when this value changes between two reads of the cluster
     * (leader and its session, failover, config, initialize, sync). Member keys and {@code status} are left out.
     */
    public static String fingerprint(ClusterView c) {
        return (c.leader() == null ? "-" : c.leader().name() + "@" + c.leader().session()) + "|"
                + (c.failover() == null ? "-" : c.failover().version()) + "|"
                + (c.config() == null ? "-" : c.config().version()) + "|" + c.initialize() + "|"
                + (c.sync() == null ? "-" : c.sync().version());
    }

    private void sleepQuietly(Duration d) {
        try {
            env.sleeper().sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The node memory (for shutdown decisions); call from the loop thread or after {@link #close()}. */
    public NodeMemory memory() {
        return memory;
    }

    /** The last snapshot successfully read. */
    public ClusterView lastCluster() {
        return lastCluster;
    }

    /**
     * Patroni 4's {@code while_not_sync_standby} before this replica's postgres stops at shutdown ({@link
     * SyncRelease}): publishes {@code nosync} in the member key and waits, up to twice loop_wait, until the primary
     * has taken this node out of {@code /sync}, the leader changed or went, or the DCS failed. No-op on the leader,
     * outside sync mode, with a {@code nosync} tag, or before a first cycle. Call after {@link #close()}; blocks.
     */
    public void releaseSyncStandbyBeforeStop() {
        releaseSyncStandby();
    }

    /** The release ({@link #releaseSyncStandbyBeforeStop}); the member key keeps nosync until {@link #releasingSync}
     * is reset. */
    private void releaseSyncStandby() {
        ClusterView cluster = lastCluster;
        HaSettings settings = cycleSettings;
        LocalPostgres local = lastLocal;
        if (cluster == null || settings == null || local == null || !SyncRelease.needed(cluster, name, settings.tags())) {
            return;
        }
        releasingSync = true;
        try {
            ScheduledRestarts.Entry scheduled = scheduledRestarts.current();
            dcs.touchMember(memberData.build(local, null, Tags.published(SyncRelease.releasingTags(settings.tags())),
                    cluster.isPaused(), scheduled == null ? null : scheduled.published()));
        } catch (DcsException e) {
            LOG.warn("Updating member state failed, skipping synchronous standby disable");
            return;
        }
        Deadline deadline = Deadline.after(ticker, SyncRelease.maxWait(settings.loopWaitSeconds()));
        while (true) {
            ClusterView now;
            try {
                now = dcs.load();
            } catch (DcsException e) {
                LOG.warn("Could not get cluster state, skipping synchronous standby disable");
                return;
            }
            if (!SyncRelease.isSyncStandby(now, name)) {
                LOG.info("released from synchronous standby duty: stopping");
                return;
            }
            if (deadline.expired()) {
                LOG.warn("the primary did not release us from synchronous standby within {} s: stopping anyway",
                        SyncRelease.maxWait(settings.loopWaitSeconds()).toSeconds());
                return;
            }
            LOG.info("Waiting for primary to release us from synchronous standby");
            sleepQuietly(deadline.cap(Duration.ofMillis(500)));
            if (Thread.currentThread().isInterrupted()) return;
        }
    }

    /** Stop the loop threads (does not touch postgres or the lock: see the daemon's shutdown). */
    @Override
    public void close() {
        stopped = true;
        wakeUp();
        if (watchThread != null) watchThread.interrupt();
        if (loopThread != null) {
            try {
                loopThread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        slot.close();
    }
}
