package dev.regent.daemon.loop;

import dev.regent.core.ha.ActionOutcome;
import dev.regent.core.ha.DivergenceRule;
import dev.regent.core.ha.FailureMessages;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.MemoryContract;
import dev.regent.core.ha.NodeMemory;
import dev.regent.core.ha.ScheduledRestart;
import dev.regent.core.ha.TimelineReservation;
import dev.regent.core.ha.action.Action;
import dev.regent.core.model.StandbyCluster;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.Member;
import dev.regent.core.model.SyncState;
import dev.regent.core.model.TimelineHistory;
import dev.regent.core.sync.PrimaryStopTimeout;
import dev.regent.core.sync.SyncStep;
import dev.regent.dcs.Dcs;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.DcsJson;
import dev.regent.postgres.CallbackRole;
import dev.regent.postgres.CallbackRunner;
import dev.regent.postgres.StopMode;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the decider's actions in order and stops at the first one that does not proceed. Ordering rules live in the
 * decider; what this class guarantees is the order of I/O inside one action (e.g. a graceful demotion stops postgres
 * before releasing the lock, so no write can be acknowledged by the old primary after the new one is promoted).
 *
 * <p>Each {@link Action} type has exactly one handler, registered in {@link #registerHandlers}; a handler returns an
 * {@link ActionOutcome} and the memory follows from {@link MemoryContract#after}. Long actions (bootstrap, clone,
 * start, restart, rewind, reinitialize, promote, the restart after a demotion) go to the {@link BackgroundRunner};
 * the loop keeps renewing the lock while they run. Time and waits come from the injected {@link Ticker} and
 * {@link Sleeper}. Called from the loop thread only.
 */
public final class ActionExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(ActionExecutor.class);

    /** Per-cycle context: what the actions may need to know. */
    public record Context(ClusterView cluster, LocalPostgres local, int ttlSeconds, Duration startTimeout,
                          String bootstrapDcsJson, boolean removeDataOnRewindFailure, boolean memoryRewindNeeded,
                          ScheduledRestart scheduledRestart, ClusterView lastCluster) {
        /** A context whose last known snapshot is {@code cluster} itself. */
        public Context(ClusterView cluster, LocalPostgres local, int ttlSeconds, Duration startTimeout,
                       String bootstrapDcsJson, boolean removeDataOnRewindFailure, boolean memoryRewindNeeded,
                       ScheduledRestart scheduledRestart) {
            this(cluster, local, ttlSeconds, startTimeout, bootstrapDcsJson, removeDataOnRewindFailure,
                    memoryRewindNeeded, scheduledRestart, cluster);
        }

        /** A context without a scheduled restart. */
        public Context(ClusterView cluster, LocalPostgres local, int ttlSeconds, Duration startTimeout,
                       String bootstrapDcsJson, boolean removeDataOnRewindFailure, boolean memoryRewindNeeded) {
            this(cluster, local, ttlSeconds, startTimeout, bootstrapDcsJson, removeDataOnRewindFailure,
                    memoryRewindNeeded, null);
        }
    }

    /**
     * Result of running a decision's actions.
     *
     * @param allSucceeded every action succeeded or was handed to the background slot
     * @param failed       the action that stopped the run, or null
     * @param outcome      how {@code failed} ended (refused or failed), or null
     * @param memory       the memory after the actions ({@link MemoryContract#after} applied to each)
     */
    public record Result(boolean allSucceeded, Action failed, ActionOutcome outcome, NodeMemory memory) {}

    /**
     * Moments the REST status must follow at once rather than at the end of the cycle (or of the background task):
     * Patroni's health checks query postgres on every request, so its answers change the moment postgres does. Called
     * on the thread that runs the action, before callbacks and anything slow that follows (CHECKPOINT, history).
     */
    public interface StatusEvents {
        /** A bootstrap took the leader lock: postgres runs as the primary of {@code systemId}. */
        default void leaderAfterBootstrap(String systemId, long lockValidUntilMonotonicMillis) {
        }

        /** A start or restart ended with postgres accepting connections. */
        default void postgresStarted() {
        }

        /** postgres was promoted while this node holds the lock until the time given. */
        default void promoted(long lockValidUntilMonotonicMillis) {
        }
    }

    /** Runs one action of type {@code A}; throws when it failed with an error. */
    @FunctionalInterface
    private interface Handler<A extends Action> {
        ActionOutcome run(A action, Context ctx) throws Exception;
    }

    /** The body of a long action, run by the background slot. */
    @FunctionalInterface
    private interface LongTask {
        Done run() throws Exception;
    }

    /** How a long task ended, and the monotonic time its memory effect counts from. */
    private record Done(ActionOutcome outcome, long atMillis) {}

    private final Dcs dcs;
    private final PostgresPort pg;
    private final BackgroundRunner slot;
    private final Ticker ticker;
    private volatile Runnable beforeReplicaRestart = () -> { };
    private volatile Runnable afterReplicaRestart = () -> { };
    private final Sleeper sleeper;
    private final ScheduledRestarts scheduledRestarts;
    private final ExitHook exit;
    private final PromotionHistory history;
    private final SlotKeeper slots;
    private final Map<Class<? extends Action>, Handler<? extends Action>> handlers;
    private volatile StatusEvents statusEvents = new StatusEvents() { };
    /** The memory as of the last action run; read by a background promotion for its lease (another thread). */
    private volatile NodeMemory lastMemory = NodeMemory.INITIAL;
    /** Slots a PrepareReplicationSlots created whose promotion has not been followed by the primary's slot sync. */
    private volatile Set<String> preparedSlots = Set.of();
    /** The slots the running batch's SyncReplicationSlots plans for this node (a Follow comes before it). */
    private volatile Set<String> plannedInBatch = Set.of();
    /** The node's watchdog, or null when there is none; armed after every lock write that keeps us leading. */
    private volatile dev.regent.daemon.watchdog.Watchdog watchdog;
    private volatile java.util.function.IntSupplier loopWait = () -> 10;
    /** Failsafe mode's state (the loop's); written by KeepLeadingInFailsafe and WriteFailsafe. */
    private volatile FailsafeState failsafe = new FailsafeState(null);
    /** A ManageSync changed synchronous_standby_names since the loop last asked. */
    private volatile boolean syncStandbyNamesChanged;
    /** The last role change reported was to standby_leader (on_role_change fires once per change). */
    private volatile boolean actingStandbyLeader;

    /** An executor on the real clocks with its own (empty) scheduled restarts and a halting exit. */
    public ActionExecutor(Dcs dcs, PostgresPort pg, BackgroundRunner slot, Ticker ticker) {
        this(dcs, pg, slot, ticker, Sleeper.SYSTEM, new ScheduledRestarts(), ExitHook.HALT);
    }

    /**
     * An executor whose {@code ClearScheduledRestart} drops the context's restart from {@code scheduledRestarts}.
     *
     * @param ticker  the time base of {@code lockValidUntil} (the decider's {@code nowMillis}) and of timestamps
     * @param sleeper how {@code WaitUntil} waits
     * @param exit    what {@code FatalExit} does
     */
    public ActionExecutor(Dcs dcs, PostgresPort pg, BackgroundRunner slot, Ticker ticker, Sleeper sleeper,
                          ScheduledRestarts scheduledRestarts, ExitHook exit) {
        this.dcs = dcs;
        this.pg = pg;
        this.slot = slot;
        this.ticker = ticker;
        this.sleeper = sleeper;
        this.scheduledRestarts = scheduledRestarts;
        this.exit = exit;
        this.history = new PromotionHistory(dcs, ticker);
        this.slots = new SlotKeeper(pg, ticker, dcs.name());
        this.handlers = registerHandlers();
    }

    /** Where to report the {@link StatusEvents}. */
    public void setStatusEvents(StatusEvents events) {
        this.statusEvents = events;
    }

    /**
     * The watchdog to run while this node leads: activated or fed after each successful AcquireLeaderLock,
     * UpdateLeaderLock and KeepLeadingInFailsafe (not paused), checked before a promotion.
     */
    public void setWatchdog(dev.regent.daemon.watchdog.Watchdog w, java.util.function.IntSupplier loopWaitSeconds) {
        this.watchdog = w;
        this.loopWait = loopWaitSeconds;
    }

    /** After a lock write that keeps us leading: the watchdog runs (Patroni's keepalive / enforce_primary_role). */
    private ActionOutcome leading(ActionOutcome outcome, Context ctx) {
        dev.regent.daemon.watchdog.Watchdog w = watchdog;
        boolean paused = ctx.cluster() != null && ctx.cluster().isPaused();
        if (w != null && outcome.kind() == ActionOutcome.Kind.SUCCEEDED && !paused) {
            w.lead(ctx.ttlSeconds(), loopWait.getAsInt());
        }
        return outcome;
    }

    /**
     * Patroni's update_cluster_history, run on each leader cycle: when {@code /history} does not yet name the timeline
     * this primary left (the one-shot write after promote failed, e.g. the DCS went away right after the promotion and
     * failsafe mode kept the node leading), write it now. Without it a former primary still on the old timeline saw
     * no divergence to rewind and never streamed the new one (simulator, seed 4894). Not while a promotion runs: it
     * writes the entry itself when it finishes.
     */
    private void repairHistory(Context ctx) {
        ClusterView c = ctx.cluster();
        LocalPostgres local = ctx.local();
        if (c == null || !local.isPrimary() || local.timeline() <= c.timeline() || slot.running() != null) return;
        LOG.info("/history does not name timeline {} this primary left: writing it", local.timeline() - 1);
        history.write(c, local, () -> pg.observe().timeline(), pg::timelineSwitch);
    }

    /** Where failsafe mode's actions record what they did. */
    public void setFailsafeState(FailsafeState state) {
        this.failsafe = state;
    }

    /** The action types this executor has a handler for (exactly one each). */
    public Set<Class<? extends Action>> handledActions() {
        return handlers.keySet();
    }

    /** Run {@code actions} in order; stop at the first one that is refused or fails. */
    public Result run(List<Action> actions, Context ctx, NodeMemory memory) {
        NodeMemory mem = memory;
        lastMemory = mem;
        plannedInBatch = plannedSlots(actions);
        for (Action a : actions) {
            long now = ticker.monotonicMillis();  // before the action: a lease starts before its write is sent
            if (lapsedMidBatch(a, ctx, mem, now)) {
                // the process stalled (SIGSTOP, a long GC pause, a stuck call) after the decision was taken on a valid
                // lock: nothing more is done as the leader; the next cycle, 100 ms later, sees the lapse and demotes
                LOG.warn("the leader lock lapsed {} ms ago, after this cycle's decision: not running {}",
                        now - mem.lockValidUntil(), a);
                ActionOutcome outcome = ActionOutcome.failed("the leader lock lapsed before " + a);
                mem = MemoryContract.after(a, outcome, now, ctx.ttlSeconds(), mem);
                lastMemory = mem;
                return new Result(false, a, outcome, mem);
            }
            ActionOutcome outcome = execute(a, ctx);
            mem = MemoryContract.after(a, outcome, now, ctx.ttlSeconds(), mem);
            lastMemory = mem;
            if (!outcome.proceeds()) return new Result(false, a, outcome, mem);
        }
        return new Result(true, null, null, mem);
    }

    /**
     * The batch acts as the leader ({@code mem} says so: the decider kept the lock, or an action of this batch took or
     * renewed it) but the lease ran out before {@code a}: the time went by between the decision and now (the daemon
     * was frozen). The decider demotes on such a lapse ({@code HaDecider}'s memory contract); a batch decided just
     * before the lapse must not go on renewing the lock on a stale view, writing {@code /sync}, changing
     * synchronous_standby_names or slots. A demotion, a release and the failsafe renewal still run, and in pause
     * nothing is held back (a paused primary runs on without the lock).
     */
    private static boolean lapsedMidBatch(Action a, Context ctx, NodeMemory mem, long now) {
        if (!mem.wasLeader() || now < mem.lockValidUntil()) return false;
        if (ctx.cluster() != null && ctx.cluster().isPaused()) return false;
        return !(a instanceof Action.Demote || a instanceof Action.ReleaseLeaderLock
                || a instanceof Action.ReportDemoted || a instanceof Action.KeepLeadingInFailsafe
                || a instanceof Action.AcquireLeaderLock || a instanceof Action.FatalExit);
    }

    @SuppressWarnings("unchecked")
    private ActionOutcome execute(Action a, Context ctx) {
        Handler<Action> h = (Handler<Action>) handlers.get(a.getClass());
        if (h == null) throw new IllegalStateException("no handler for action " + a);
        try {
            ActionOutcome outcome = h.run(a, ctx);
            if (outcome.kind() == ActionOutcome.Kind.REFUSED) {
                LOG.info("{}", FailureMessages.of(a));
            } else if (outcome.kind() == ActionOutcome.Kind.FAILED) {
                LOG.warn("{}: {}", FailureMessages.of(a), outcome.detail());
            }
            return outcome;
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            LOG.error("action {} failed: {}", a, e.getMessage(), e);
            return ActionOutcome.failed(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /**
     * Patroni's write_failsafe: {@code /failsafe} = the members' api_urls plus this node's own when its member key is
     * missing. A failed write is logged and the cycle goes on (the next renewal writes it again).
     */
    private ActionOutcome writeFailsafe(Action.WriteFailsafe a, Context ctx) {
        Map<String, String> topology = new java.util.TreeMap<>(a.topology());
        if (failsafe.ownApiUrl() != null) topology.putIfAbsent(dcs.name(), failsafe.ownApiUrl());
        try {
            dcs.setFailsafeValue(topology);
            failsafe.setTopology(topology);
        } catch (dev.regent.dcs.DcsException e) {
            LOG.warn("failed to write /failsafe: {}", e.getMessage());
        }
        return ActionOutcome.SUCCEEDED;
    }

    /** One handler per action type, all in one place (a unit test checks that every {@link Action} has one). */
    private Map<Class<? extends Action>, Handler<? extends Action>> registerHandlers() {
        Map<Class<? extends Action>, Handler<? extends Action>> m = new LinkedHashMap<>();
        on(m, Action.RaceInitialize.class, (a, ctx) ->
                ActionOutcome.succeededIf(dcs.initialize(true, null), "another member created initialize first"));
        on(m, Action.CancelStaleInitialize.class, (a, ctx) ->
                ActionOutcome.succeededIf(dcs.cancelStaleInitialize(a.version()), "initialize changed meanwhile"));
        on(m, Action.Bootstrap.class, (a, ctx) -> background("bootstrap", a, ctx, () -> bootstrap(a, ctx)));
        on(m, Action.CloneReplica.class, this::cloneReplica);
        on(m, Action.AcquireLeaderLock.class, (a, ctx) -> leading(
                ActionOutcome.succeededIf(dcs.attemptToAcquireLeader(), "another member holds the leader lock"), ctx));
        on(m, Action.UpdateLeaderLock.class, (a, ctx) -> {
            // the standby leader publishes its received/replayed position, as Patroni's update_lock(last_operation())
            boolean primary = ctx.local().isPrimary();
            boolean standbyLeader = ctx.local().isReplica() && ctx.cluster() != null
                    && ctx.cluster().configOrEmpty().standbyCluster() != null;
            long optime = primary || standbyLeader ? ctx.local().walPosition() : 0;
            ActionOutcome outcome = leading(ActionOutcome.succeededIf(dcs.updateLeader(optime,
                    primary ? slots.statusSlots() : Map.of(),
                    primary ? slots.retainSlots(ctx.cluster(), ctx.local()) : List.of()), "the leader lock is not ours"),
                    ctx);
            if (outcome.kind() == ActionOutcome.Kind.SUCCEEDED) repairHistory(ctx);
            return outcome;
        });
        on(m, Action.ReleaseLeaderLock.class, (a, ctx) -> {
            dcs.deleteLeader(ctx.local().walPosition());
            return ActionOutcome.SUCCEEDED;
        });
        on(m, Action.WriteInitialize.class, (a, ctx) -> {
            boolean absent = ctx.cluster() == null || ctx.cluster().initialize() == null;
            return ActionOutcome.succeededIf(dcs.initialize(absent, a.systemId()), "initialize changed meanwhile");
        });
        on(m, Action.WriteMissingConfig.class, (a, ctx) -> ActionOutcome.succeededIf(
                ctx.bootstrapDcsJson() == null || dcs.setConfigValue(ctx.bootstrapDcsJson(), null),
                "config was written meanwhile"));
        on(m, Action.KeepLeadingInFailsafe.class, (a, ctx) -> {
            failsafe.keptLeading(ticker.monotonicMillis());
            dev.regent.daemon.watchdog.Watchdog w = watchdog;
            if (w != null && w.isRunning()) w.lead(ctx.ttlSeconds(), loopWait.getAsInt());  // Patroni's keepalive
            return ActionOutcome.SUCCEEDED;
        });
        on(m, Action.WriteFailsafe.class, this::writeFailsafe);
        on(m, Action.StartPostgres.class, this::startPostgres);
        on(m, Action.Promote.class, (a, ctx) -> {
            dev.regent.daemon.watchdog.Watchdog w = watchdog;
            if (w != null && !w.isHealthy(ctx.ttlSeconds(), loopWait.getAsInt())) {
                // required and not activated: never promote without it (the next cycle gives the lock up)
                return ActionOutcome.failed("watchdog could not be activated");
            }
            return background("promote", a, ctx, () -> promote(ctx));
        });
        on(m, Action.Demote.class, (a, ctx) -> {
            if (slot.running() != null) slot.cancel();
            return demote(a, ctx);
        });
        on(m, Action.Follow.class, (a, ctx) -> {
            pg.follow(a.leaderMember(), sourceUrl(ctx, a.leaderMember(), a.standby()), a.standby());
            dropUnusedPreparedSlots();
            reportStandbyLeader(a.remote());
            return ActionOutcome.SUCCEEDED;
        });
        on(m, Action.Rewind.class, this::rewind);
        on(m, Action.Reinitialize.class, this::reinitialize);
        on(m, Action.RestartPostgres.class, this::restart);
        on(m, Action.ReloadPostgres.class, (a, ctx) -> {
            pg.reload();
            pg.fireCallback(CallbackRunner.Action.ON_RELOAD, roleOf(ctx.local()));
            return ActionOutcome.SUCCEEDED;
        });
        on(m, Action.ClearFailover.class, (a, ctx) ->
                ActionOutcome.succeededIf(dcs.clearFailover(a.version()), "the failover key changed"));
        on(m, Action.SyncReplicationSlots.class, (a, ctx) -> {
            // while the DCS is down (a replica in failsafe mode) the last snapshot read gives ignore_slots, pause and
            // the leader; the positions come with the action
            slots.sync(a, ctx.cluster() != null ? ctx.cluster() : ctx.lastCluster(), ctx.local());
            preparedSlots = Set.of();  // the planned set owns them now (a replica's sync dropped the unplanned ones)
            return ActionOutcome.SUCCEEDED;
        });
        on(m, Action.PrepareReplicationSlots.class, (a, ctx) -> {
            try {
                Set<String> created = new java.util.TreeSet<>(preparedSlots);
                created.addAll(pg.prepareReplicationSlots(a.slots()));
                preparedSlots = Set.copyOf(created);
            } catch (PostgresPortException e) {
                // the first cycle as primary creates them again; a standby's slot must never hold a promotion back
                LOG.warn("could not create replication slots {} before promote: {}", a.slots(), e.getMessage());
            }
            return ActionOutcome.SUCCEEDED;
        });
        on(m, Action.StopPostgres.class, (a, ctx) -> {
            pg.stop(StopMode.FAST, ctx.startTimeout());  // the port runs before_stop and on_stop around the stop
            return ActionOutcome.SUCCEEDED;
        });
        on(m, Action.FatalExit.class, (a, ctx) -> {
            exit.exit(a.reason());
            return ActionOutcome.failed("exit requested: " + a.reason());  // reached only where exit returns (sim)
        });
        on(m, Action.KeepFailoverCandidate.class, (a, ctx) -> ActionOutcome.succeededIf(
                dcs.setFailover(new Failover(a.version(), null, a.candidate(), null), a.version()),
                "the failover key changed"));
        on(m, Action.WaitUntil.class, (a, ctx) -> {
            long wait = Math.min(a.wallClockMillis() - ticker.wallMillis(), 60_000);
            if (wait > 0) sleeper.sleep(Duration.ofMillis(wait));
            return ActionOutcome.SUCCEEDED;
        });
        on(m, Action.ClearScheduledRestart.class, (a, ctx) -> {
            scheduledRestarts.clear(ctx.scheduledRestart());
            return ActionOutcome.SUCCEEDED;
        });
        on(m, Action.ManageSync.class, this::manageSync);
        on(m, Action.ReportDemoted.class, (a, ctx) -> {
            pg.fireCallback(CallbackRunner.Action.ON_ROLE_CHANGE, CallbackRole.DEMOTED);
            return ActionOutcome.SUCCEEDED;
        });
        return Collections.unmodifiableMap(m);
    }

    /**
     * The synchronous replication steps in order: {@code /sync} writes chained by version (the first on the version
     * of this cycle's snapshot, 0 = create), {@code synchronous_standby_names} applied and confirmed by postgres.
     * Stops at the first step that does not go through: the state left is safe, the next cycle goes on from it.
     */
    private ActionOutcome manageSync(Action.ManageSync a, Context ctx) throws Exception {
        SyncState read = ctx.cluster() == null ? null : ctx.cluster().sync();
        long version = read == null ? 0 : read.version();
        boolean present = read != null;
        for (SyncStep step : a.steps()) {
            if (step instanceof SyncStep.WriteSync w) {
                Long v = dcs.writeSyncState(DcsJson.syncToJson(w.leader(), w.standbys(), w.quorum()), version);
                if (v == null) return ActionOutcome.refused("Synchronous replication key updated by someone else");
                LOG.info("{}", w.message());
                version = v;
                present = true;
            } else if (step instanceof SyncStep.DeleteSync d) {
                if (!present) continue;
                if (!dcs.deleteSyncState(version)) {
                    return ActionOutcome.refused("Synchronous replication key updated by someone else");
                }
                LOG.info("{}", d.message());
                present = false;
                version = 0;
            } else if (step instanceof SyncStep.SetStandbyNames n) {
                if (pg.setSynchronousStandbyNames(n.value())) {
                    LOG.info("{}", n.message());
                    syncStandbyNamesChanged = true;
                }
            }
        }
        return ActionOutcome.SUCCEEDED;
    }

    /**
     * A node that prepared slots for a promotion that did not happen (the {@code /sync} compare-and-set refused, the
     * pre_promote script failed, another member won) and now follows a leader drops those it created: a slot on a
     * standby that nobody uses would hold that standby's WAL for ever. Active ones (a member already streaming
     * through it) are left alone, and so are the slots the decider plans for this replica in the same batch
     * ({@code SyncReplicationSlots} after the {@code Follow}: with member_slots_ttl every replica keeps every member's
     * slot, and dropping them here would only have the sync create them again at the current position). Best
     * effort: a failed drop is logged and tried again at the next Follow.
     */
    private void dropUnusedPreparedSlots() {
        Set<String> prepared = new java.util.TreeSet<>(preparedSlots);
        prepared.removeAll(plannedInBatch);
        if (prepared.isEmpty()) {
            preparedSlots = Set.of();
            return;
        }
        try {
            pg.dropInactiveReplicationSlots(prepared);
            preparedSlots = Set.of();
        } catch (PostgresPortException e) {
            LOG.warn("could not drop the replication slots {} prepared for a promotion: {}", prepared, e.getMessage());
        }
    }

    private static Set<String> plannedSlots(List<Action> actions) {
        for (Action a : actions) {
            if (a instanceof Action.SyncReplicationSlots sync) return Set.copyOf(sync.slots());
        }
        return Set.of();
    }

    /** True once after a {@code ManageSync} changed synchronous_standby_names (the loop looks again soon). */
    public boolean takeSyncStandbyNamesChanged() {
        boolean changed = syncStandbyNamesChanged;
        syncStandbyNamesChanged = false;
        return changed;
    }

    private static <A extends Action> void on(Map<Class<? extends Action>, Handler<? extends Action>> m,
                                              Class<A> type, Handler<A> handler) {
        if (m.putIfAbsent(type, handler) != null) throw new IllegalStateException("two handlers for " + type);
    }

    private ActionOutcome cloneReplica(Action.CloneReplica c, Context ctx) {
        String url = connUrl(ctx, c.fromMember());
        String leader = leaderOr(ctx, c.fromMember());
        String leaderUrl = connUrl(ctx, leader);
        return background("creating replica", c, ctx, () -> {
            pg.createReplica(url, false);
            pg.start(false, leader, leaderUrl, c.standby(), ctx.startTimeout());
            return done(ActionOutcome.SUCCEEDED);
        });
    }

    /**
     * Starts postgres in the background slot. A start as primary (after a crash, while holding the lock) may outlast
     * the lease: it runs only while the lease the loop keeps renewing is valid, and a postgres that came up as a
     * primary after the lease ran out is stopped at once (immediate: the next cycle rewinds it against the new leader)
     * instead of being reported started, as Patroni never runs a primary without the lock.
     */
    private ActionOutcome startPostgres(Action.StartPostgres s, Context ctx) {
        String url = sourceUrl(ctx, s.followMember(), s.standby());
        boolean remote = !s.asPrimary() && s.standby() != null && s.followMember() == null;
        return background("starting", s, ctx, () -> {
            if (s.asPrimary() && !MemoryContract.leaseValid(lastMemory, ticker.monotonicMillis())) {
                LOG.warn("lost leader lock before starting as primary: not starting");
                return done(ActionOutcome.failed("lost leader lock before starting as primary"));
            }
            pg.start(s.asPrimary(), s.followMember(), url, s.standby(), ctx.startTimeout());
            if (s.asPrimary() && !MemoryContract.leaseValid(lastMemory, ticker.monotonicMillis())) {
                LOG.warn("lost leader lock while starting as primary: stopping postgres");
                pg.stop(StopMode.IMMEDIATE, ctx.startTimeout());
                return done(ActionOutcome.failed("lost leader lock while starting as primary"));
            }
            statusEvents.postgresStarted();
            boolean standbyLeader = remote && MemoryContract.leaseValid(lastMemory, ticker.monotonicMillis());
            actingStandbyLeader = standbyLeader;
            pg.fireCallback(CallbackRunner.Action.ON_START, s.asPrimary() ? CallbackRole.PRIMARY
                    : standbyLeader ? CallbackRole.STANDBY_LEADER : CallbackRole.REPLICA);
            return done(ActionOutcome.SUCCEEDED);
        });
    }

    /**
     * pg_rewind from the leader, in the background slot. First, while postgres still runs, the source must answer and
     * be a primary (Patroni's {@code check_leader_is_not_in_recovery}): a leader that was just killed (its lock still
     * held: before ttl, or paused) or is still in recovery fails the rewind without touching the local postgres, and
     * the decider tries again at a later cycle. Only then is postgres stopped and pg_rewind run.
     */
    private ActionOutcome rewind(Action.Rewind r, Context ctx) {
        boolean remote = r.standby() != null;
        // a standby leader rewinds from the remote primary it follows (Patroni: the remote member is its leader)
        String url = remote ? r.standby().connUrl() : connUrl(ctx, r.sourceMember());
        String source = remote ? "the remote primary" : r.sourceMember();
        boolean wipe = ctx.removeDataOnRewindFailure();
        int ownPromotion = lastMemory.ownPromotion();
        return background("rewind", r, ctx, () -> {
            try {
                pg.checkRewindSource(url);
            } catch (PostgresPortException e) {
                LOG.warn("Can not use {} for rewind: {}", source, e.getMessage());
                return done(ActionOutcome.failed("the rewind source " + source + " cannot be used: "
                        + e.getMessage()));
            }
            pg.stop(StopMode.FAST, ctx.startTimeout());
            try {
                pg.rewind(url);
                int timeline = pg.observe().timeline();
                TimelineHistory.Entry began = pg.timelineSwitch(timeline);
                // this cluster's /history says nothing about the remote primary's timelines
                String stuck = remote ? null : DivergenceRule.cannotFollowAfterRewind(ctx.cluster(), timeline,
                        began == null ? null : began.lsn(), dcs.name(), ownPromotion);
                if (stuck != null) {
                    // pg_rewind said "no rewind required" (same timeline number, or the local WAL ends at the fork
                    // point), yet PostgreSQL can never follow from there and no rewind will change that. Without
                    // remove_data_directory_on_rewind_failure the data directory is moved aside, never removed: the
                    // next cycle clones, the operator keeps the old data.
                    LOG.error("pg_rewind found no rewind required but {}: requested timeline {} is not a child of"
                            + " the leader's history; {} the data directory to clone again", stuck, timeline,
                            wipe ? "removing" : "moving aside");
                    if (wipe) pg.removeDataDirectory();
                    else pg.moveDataDirectoryAside();
                    return done(ActionOutcome.SUCCEEDED);
                }
            } catch (PostgresPortException e) {
                if (!wipe) throw e;
                LOG.error("pg_rewind failed ({}); removing the data directory to clone again", e.getMessage());
                pg.removeDataDirectory();
                return done(ActionOutcome.SUCCEEDED);  // nothing left to rewind: the next cycle clones
            }
            if (remote) {
                String leader = ctx.cluster() == null || ctx.cluster().leader() == null ? null
                        : ctx.cluster().leader().name();
                if (MemoryContract.leaseValid(lastMemory, ticker.monotonicMillis()) || leader == null
                        || leader.equals(dcs.name())) {
                    pg.start(false, null, url, r.standby(), ctx.startTimeout());
                    reportStandbyLeader(true);
                } else {
                    // another member of the standby cluster: cascade from its standby leader again
                    pg.start(false, leader, connUrl(ctx, leader), r.standby(), ctx.startTimeout());
                }
                return done(ActionOutcome.SUCCEEDED);
            }
            pg.start(false, r.sourceMember(), url, ctx.startTimeout());
            return done(ActionOutcome.SUCCEEDED);
        });
    }

    private ActionOutcome reinitialize(Action.Reinitialize r, Context ctx) {
        String url = connUrl(ctx, r.fromMember());
        String leader = leaderOr(ctx, r.fromMember());
        String leaderUrl = connUrl(ctx, leader);
        return background("reinitialize", r, ctx, () -> {
            pg.stop(StopMode.IMMEDIATE, ctx.startTimeout());
            pg.removeDataDirectory();
            pg.createReplica(url, r.fromLeader());
            pg.start(false, leader, leaderUrl, ctx.startTimeout());
            return done(ActionOutcome.SUCCEEDED);
        });
    }

    /**
     * What a replica does around its restart: the loop asks the primary to release it from synchronous standby duty
     * first and withdraws the request after (Patroni 4 wraps a replica's restart in {@code while_not_sync_standby}).
     * Runs on the background thread; {@code before} may block.
     */
    public void guardReplicaRestart(Runnable before, Runnable after) {
        this.beforeReplicaRestart = before;
        this.afterReplicaRestart = after;
    }

    private ActionOutcome restart(Action.RestartPostgres r, Context ctx) {
        Duration timeout = r.timeoutSeconds() == null ? ctx.startTimeout() : Duration.ofSeconds(r.timeoutSeconds());
        CallbackRole role = roleOf(ctx.local());
        boolean replica = !ctx.local().isPrimary();
        return background("restart", r, ctx, () -> {
            if (replica) {
                beforeReplicaRestart.run();
                try {
                    pg.restart(timeout);
                } finally {
                    afterReplicaRestart.run();
                }
            } else {
                pg.restart(timeout);
            }
            statusEvents.postgresStarted();
            pg.fireCallback(CallbackRunner.Action.ON_RESTART, role);
            return done(ActionOutcome.SUCCEEDED);
        });
    }

    private Done bootstrap(Action.Bootstrap b, Context ctx) throws Exception {
        String sysid = null;
        try {
            sysid = b.standby() == null ? pg.bootstrap(slot::reportState) : bootstrapStandbyLeader(b.standby(), ctx);
            // only over "" or an absent key: a member that bootstrapped too (its placeholder was cancelled as stalled)
            // must not replace the system identifier another member wrote and takes the lock with
            if (!dcs.completeInitialization(sysid)) return lostToAnotherBootstrap(sysid);
            if (ctx.bootstrapDcsJson() != null) dcs.setConfigValue(ctx.bootstrapDcsJson(), null);
            long now = ticker.monotonicMillis();
            boolean locked = dcs.attemptToAcquireLeader();
            if (b.standby() != null) {
                // Patroni's post_bootstrap after bootstrap_standby_leader: on_start with role standby_leader
                if (locked) statusEvents.postgresStarted();
                actingStandbyLeader = locked;
                pg.fireCallback(CallbackRunner.Action.ON_START,
                        locked ? CallbackRole.STANDBY_LEADER : CallbackRole.REPLICA);
                return new Done(locked ? ActionOutcome.SUCCEEDED
                        : ActionOutcome.refused("another member took the leader lock"), now);
            }
            if (locked) statusEvents.leaderAfterBootstrap(sysid, now + ctx.ttlSeconds() * 1000L);
            pg.fireCallback(CallbackRunner.Action.ON_START, CallbackRole.PRIMARY);
            return new Done(locked ? ActionOutcome.SUCCEEDED
                    : ActionOutcome.refused("another member took the leader lock"), now);
        } catch (Exception e) {
            LOG.info("removing initialize key after failed attempt to bootstrap the cluster");
            try {
                dcs.cancelInitialization(sysid);  // never another member's system identifier
            } catch (Exception e2) {
                LOG.warn("could not delete the initialize key: {}", e2.getMessage());
            }
            try {
                pg.stop(StopMode.IMMEDIATE, Duration.ofSeconds(30));
                pg.moveDataDirectoryAside(); // <data_dir>.failed, as Patroni's move_data_directory
            } catch (Exception e3) {
                LOG.warn("could not move the failed data directory aside: {}", e3.getMessage());
            }
            throw e;
        }
    }

    /**
     * Another member completed a bootstrap of its own while this one ran: its data is the cluster's, this node's is
     * not. Postgres stops and the data directory moves aside; the node then clones from the leader like any new
     * member instead of exiting on a system ID mismatch.
     */
    private Done lostToAnotherBootstrap(String sysid) throws Exception {
        long now = ticker.monotonicMillis();
        LOG.warn("another member bootstrapped the cluster while this node did (system identifier {}): moving the "
                + "data directory aside", sysid);
        pg.stop(StopMode.IMMEDIATE, Duration.ofSeconds(30));
        pg.moveDataDirectoryAside();
        return new Done(ActionOutcome.refused("another member bootstrapped the cluster"), now);
    }

    /**
     * Patroni's bootstrap_standby_leader: the replica creation methods of {@code standby_cluster} clone the remote
     * primary (basebackup by default), then postgres starts following it; returns the system identifier (the remote
     * cluster's). Never initdb.
     */
    private String bootstrapStandbyLeader(StandbyCluster standby, Context ctx) throws Exception {
        String url = standby.connUrl();
        LOG.info("bootstrapping a standby leader: clone from remote member {}", url == null ? "(archive only)" : url);
        pg.createReplica(url, standby.createReplicaMethods());
        pg.start(false, null, url, standby, ctx.startTimeout());
        String sysid = pg.observe().systemId();
        if (sysid == null) throw new PostgresPortException("no system identifier after cloning the remote primary");
        return sysid;
    }

    /**
     * Fires {@code on_role_change} with {@code standby_leader} when this node starts following the remote primary
     * while holding the lock, once per change of role (Patroni's follow() with role standby_leader); following a
     * member makes it a replica again.
     */
    private void reportStandbyLeader(boolean remote) {
        boolean standbyLeader = remote && MemoryContract.leaseValid(lastMemory, ticker.monotonicMillis());
        if (standbyLeader && !actingStandbyLeader) {
            pg.fireCallback(CallbackRunner.Action.ON_ROLE_CHANGE, CallbackRole.STANDBY_LEADER);
        }
        actingStandbyLeader = standbyLeader;
    }

    /**
     * The promotion, in the background slot (Patroni runs it in its async executor) so that the loop keeps renewing
     * the lock however long pre_promote and {@code pg_ctl promote} take. A pre_promote that exits non-zero vetoes it
     * (outcome REFUSED: the decider then releases the lock and backs off). pre_promote may outlast the lease of the
     * decision that asked for the promotion: {@code pg_ctl promote} runs only while the renewed lease is still valid
     * (Patroni cancels a promotion whose leader lock was lost before pg_ctl promote).
     */
    private Done promote(Context ctx) throws Exception {
        try {
            pg.prePromote();
        } catch (PostgresPortException e) {
            LOG.warn("pre_promote failed, not promoting: {}", e.getMessage());
            return done(ActionOutcome.refused(e.getMessage()));
        }
        NodeMemory lease = lastMemory;
        if (!MemoryContract.leaseValid(lease, ticker.monotonicMillis())) {
            LOG.warn("lost leader lock before promote: not promoting");
            return done(ActionOutcome.failed("lost leader lock before promote"));
        }
        try {
            pg.addTimelineHistoryFiles(timelinesUsed(ctx));
        } catch (PostgresPortException e) {
            // Promote anyway (as Patroni, which never writes them): the new timeline may then reuse a number.
            LOG.warn("could not write the history files of the cluster's timelines before promote: {}",
                    e.getMessage());
        }
        slots.onPromote();
        // the memory keeps the timeline as this node's own promotion (MemoryContract): only this node can tell it from
        // another member's timeline of the same number (DivergenceRule.anotherMembersPromotion)
        int created = pg.promote();
        actingStandbyLeader = false;
        statusEvents.promoted(lastMemory.lockValidUntil());
        pg.fireCallback(CallbackRunner.Action.ON_ROLE_CHANGE, CallbackRole.PRIMARY);
        if (ctx.memoryRewindNeeded()) LOG.info("cleared rewind state after becoming the leader");
        try {
            pg.checkpoint();
        } catch (PostgresPortException e) {
            LOG.warn("CHECKPOINT after promote failed: {}", e.getMessage());
        }
        ClusterView c = ctx.cluster();
        if (c != null) history.write(c, ctx.local(), () -> created > 0 ? created : pg.observe().timeline(),
                pg::timelineSwitch);
        return done(ActionOutcome.promoted(created));
    }

    /**
     * The history files of the timelines the cluster used beyond ours, from the decision's view and a fresh read: a
     * member that promoted while the DCS was unreachable publishes its timeline only once it is back, which may be
     * after the decision (the fresh read is best effort: the decision's view stands alone when it fails).
     */
    private SortedMap<Integer, List<TimelineHistory.Entry>> timelinesUsed(Context ctx) {
        int local = ctx.local().timeline();
        SortedMap<Integer, List<TimelineHistory.Entry>> files =
                new TreeMap<>(TimelineReservation.historyFiles(ctx.cluster(), local));
        try {
            TimelineReservation.historyFiles(dcs.load(), local).forEach(files::putIfAbsent);
        } catch (DcsException | RuntimeException e) {
            LOG.debug("fresh read of the cluster before promote failed: {}", e.getMessage());
        }
        return files;
    }

    private ActionOutcome demote(Action.Demote d, Context ctx) throws Exception {
        String follow = d.followMember();
        String url = sourceUrl(ctx, follow, d.standby());
        actingStandbyLeader = false;
        Duration timeout = ctx.startTimeout();
        switch (d.mode()) {
            case GRACEFUL -> {
                // A CHECKPOINT while still serving writes makes the shutdown checkpoint below nearly free, which
                // shortens the window in which no node accepts writes.
                try {
                    pg.checkpoint();
                } catch (PostgresPortException e) {
                    LOG.debug("CHECKPOINT before switchover failed: {}", e.getMessage());
                }
                // Stop first (fast shutdown writes the shutdown checkpoint and walsenders ship it to the replicas),
                // only then release the lock: the candidate can never be promoted while we still accept writes.
                stopDemoting(StopMode.FAST, ctx);
                LocalPostgres after = pg.observe();
                dcs.deleteLeader(Math.max(after.walPosition(), ctx.local().walPosition()));
                pg.fireCallback(CallbackRunner.Action.ON_ROLE_CHANGE, CallbackRole.DEMOTED);
                return startAsReplica(ctx, follow, url, d.standby(), timeout);
            }
            case IMMEDIATE, IMMEDIATE_NOLOCK -> {
                stopDemoting(StopMode.IMMEDIATE, ctx);
                if (d.mode() == Action.Demote.Mode.IMMEDIATE) dcs.deleteLeader(0);
                pg.fireCallback(CallbackRunner.Action.ON_ROLE_CHANGE, CallbackRole.DEMOTED);
                return ActionOutcome.SUCCEEDED;
            }
            case OFFLINE -> {
                stopDemoting(StopMode.FAST, ctx);
                return startAsReplica(ctx, null, null, null, timeout);
            }
            case DEMOTE_CLUSTER -> {
                // Patroni's demote-cluster: a clean (fast) shutdown whose checkpoint the walsenders ship, the lock
                // kept, the WAL with the shutdown checkpoint archived (PostgreSQL's archiver leaves the unfinished
                // segment out, and a follower restoring from the archive needs it), then a start as the standby
                // leader (or a replica of it) under the standby cluster's settings
                stopDemoting(StopMode.FAST, ctx);
                boolean remote = follow == null && d.standby() != null;
                return background("demote", null, ctx, () -> {
                    try {
                        pg.archiveShutdownCheckpointWal(timeout);
                    } catch (PostgresPortException e) {
                        LOG.error("Failed to archive WAL file with the shutdown checkpoint: {}", e.getMessage());
                    }
                    pg.start(false, follow, url, d.standby(), timeout);
                    boolean standbyLeader = remote && MemoryContract.leaseValid(lastMemory, ticker.monotonicMillis());
                    actingStandbyLeader = standbyLeader;
                    pg.fireCallback(CallbackRunner.Action.ON_ROLE_CHANGE,
                            standbyLeader ? CallbackRole.STANDBY_LEADER : CallbackRole.REPLICA);
                    return done(ActionOutcome.SUCCEEDED);
                });
            }
            default -> throw new IllegalStateException("unknown demote mode " + d.mode());
        }
    }

    /**
     * The stop of every demotion: cut short under primary_stop_timeout in synchronous mode (Patroni applies it to
     * every mode of its demote), otherwise bounded only by the start timeout like any stop.
     */
    private void stopDemoting(StopMode mode, Context ctx) throws PostgresPortException {
        ClusterConfig config = ctx.cluster() == null ? ClusterConfig.empty() : ctx.cluster().configOrEmpty();
        Optional<Duration> abortAfter = PrimaryStopTimeout.forDemote(config);
        if (abortAfter.isPresent()) {
            pg.stopOrAbort(mode, ctx.startTimeout(), abortAfter.get());
        } else {
            pg.stop(mode, ctx.startTimeout());
        }
    }

    /** The restart after a demotion, in the background ("demote"); its end changes no memory. */
    private ActionOutcome startAsReplica(Context ctx, String follow, String url, StandbyCluster standby,
                                         Duration timeout) {
        return background("demote", null, ctx, () -> {
            pg.start(false, follow, url, standby, timeout);
            pg.fireCallback(CallbackRunner.Action.ON_ROLE_CHANGE, CallbackRole.REPLICA);
            return done(ActionOutcome.SUCCEEDED);
        });
    }

    /**
     * Hand {@code task} to the background slot. When it ends, the loop applies {@link MemoryContract#after} for
     * {@code action} (nothing when null) with the task's outcome; an exception counts as FAILED. Only a task whose
     * outcome proceeds brings the loop's next cycle forward (see {@link BackgroundRunner.Finished#wakesLoop()}).
     */
    private ActionOutcome background(String name, Action action, Context ctx, LongTask task) {
        int ttl = ctx.ttlSeconds();
        boolean submitted = slot.submit(name, () -> {
            Done d = task.run();
            if (!d.outcome().proceeds()) LOG.info("{} did not complete: {}", name, d.outcome().detail());
            return new BackgroundRunner.Result(memoryAfter(action, d.outcome(), d.atMillis(), ttl),
                    d.outcome().proceeds());
        }, memoryAfter(action, ActionOutcome.failed(name + " failed"), 0, ttl));
        return submitted ? ActionOutcome.BACKGROUND : ActionOutcome.refused(slot.running() + " is still in progress");
    }

    private static UnaryOperator<NodeMemory> memoryAfter(Action action, ActionOutcome outcome, long at, int ttl) {
        return action == null ? UnaryOperator.identity() : m -> MemoryContract.after(action, outcome, at, ttl, m);
    }

    private Done done(ActionOutcome outcome) {
        return new Done(outcome, ticker.monotonicMillis());
    }

    private static CallbackRole roleOf(LocalPostgres local) {
        return local.isPrimary() ? CallbackRole.PRIMARY : CallbackRole.REPLICA;
    }

    private static String leaderOr(Context ctx, String member) {
        return ctx.cluster() != null && ctx.cluster().leader() != null ? ctx.cluster().leader().name() : member;
    }

    /**
     * Where a replica's recovery streams from: the remote primary of {@code standby} when no member is named (null
     * when the standby cluster only restores WAL), else the member's conn_url.
     */
    private static String sourceUrl(Context ctx, String member, StandbyCluster standby) {
        if (member == null) return standby == null ? null : standby.connUrl();
        return connUrl(ctx, member);
    }

    /** conn_url of a member from the snapshot; a member without one cannot be cloned from or followed. */
    private static String connUrl(Context ctx, String member) {
        if (member == null || ctx.cluster() == null) return null;
        Member m = ctx.cluster().member(member).orElse(null);
        if (m == null && ctx.cluster().leader() != null && ctx.cluster().leader().name().equals(member)) {
            m = ctx.cluster().leader().member();
        }
        return m == null ? null : m.connUrl();
    }
}
