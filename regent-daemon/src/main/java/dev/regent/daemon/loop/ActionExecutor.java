package dev.regent.daemon.loop;

import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.NodeMemory;
import dev.regent.core.ha.action.Action;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.core.model.TimelineHistory;
import dev.regent.dcs.Dcs;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the decider's actions in order and stops at the first failure. Ordering rules live in the decider; what this
 * class guarantees is the order of I/O inside one action (e.g. a graceful demotion stops postgres before releasing
 * the lock, so no write can be acknowledged by the old primary after the new one is promoted). Long actions go to
 * the {@link BackgroundRunner}. Time and waits come from the injected {@link Ticker} and {@link Sleeper}. Called from
 * the loop thread only.
 */
public final class ActionExecutor {
    /** Python's {@code datetime.isoformat()} with microseconds and a numeric offset, as Patroni writes. */
    private static final int HISTORY_CAS_ATTEMPTS = 5;
    private static final DateTimeFormatter HISTORY_TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx");

    private static final Logger LOG = LoggerFactory.getLogger(ActionExecutor.class);

    /** Per-cycle context: what the actions may need to know. */
    public record Context(ClusterView cluster, LocalPostgres local, int ttlSeconds, Duration startTimeout,
                          String bootstrapDcsJson, boolean removeDataOnRewindFailure, boolean memoryRewindNeeded,
                          dev.regent.core.ha.ScheduledRestart scheduledRestart) {
        /** A context without a scheduled restart. */
        public Context(ClusterView cluster, LocalPostgres local, int ttlSeconds, Duration startTimeout,
                       String bootstrapDcsJson, boolean removeDataOnRewindFailure, boolean memoryRewindNeeded) {
            this(cluster, local, ttlSeconds, startTimeout, bootstrapDcsJson, removeDataOnRewindFailure,
                    memoryRewindNeeded, null);
        }
    }

    /** Result of running a decision's actions: whether all succeeded, and the memory after them. */
    public record Result(boolean allSucceeded, Action failed, NodeMemory memory) {}

    private final Dcs dcs;
    private final PostgresPort pg;
    private final BackgroundRunner slot;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private final ScheduledRestarts scheduledRestarts;
    private final ExitHook exit;
    private volatile StatusEvents statusEvents = new StatusEvents() { };

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

    /** Where to report the {@link StatusEvents}. */
    public void setStatusEvents(StatusEvents events) {
        this.statusEvents = events;
    }

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
    }

    /** Run {@code actions} in order; stop at the first failure. */
    public Result run(List<Action> actions, Context ctx, NodeMemory memory) {
        NodeMemory mem = memory;
        for (Action a : actions) {
            try {
                UnaryOperator<NodeMemory> update = execute(a, ctx, mem);
                if (update == null) {
                    LOG.info("{}", dev.regent.core.ha.FailureMessages.of(a));
                    return new Result(false, a, onFailure(a, mem));
                }
                mem = update.apply(mem);
            } catch (Exception e) {
                LOG.error("action {} failed: {}", a, e.getMessage(), e);
                return new Result(false, a, onFailure(a, mem));
            }
        }
        return new Result(true, null, mem);
    }

    /** Memory contract (HaDecider Javadoc): a refused renewal means the lock is gone now. */
    private static NodeMemory onFailure(Action a, NodeMemory mem) {
        return a instanceof Action.UpdateLeaderLock ? mem.withLockValidUntil(0) : mem;
    }

    private static UnaryOperator<NodeMemory> leader(long validUntil) {
        return m -> m.withLockValidUntil(validUntil).withWasLeader(true);
    }

    private static NodeMemory notLeader(NodeMemory m) {
        return m.withLockValidUntil(0).withWasLeader(false);
    }

    /** Returns the memory update on success, null when the action did not succeed (lost race, CAS failure). */
    private UnaryOperator<NodeMemory> execute(Action a, Context ctx, NodeMemory mem) throws Exception {
        if (a instanceof Action.RaceInitialize) {
            return ok(dcs.initialize(true, null));
        } else if (a instanceof Action.Bootstrap) {
            return background("bootstrap", () -> bootstrap(ctx), m -> m.withBootstrapFailed(true));
        } else if (a instanceof Action.CloneReplica c) {
            String url = connUrl(ctx, c.fromMember());
            String leader = ctx.cluster() != null && ctx.cluster().leader() != null
                    ? ctx.cluster().leader().name() : c.fromMember();
            String leaderUrl = connUrl(ctx, leader);
            return background("creating replica", () -> {
                pg.cloneFrom(url);
                pg.start(false, leader, leaderUrl, ctx.startTimeout());
                return UnaryOperator.identity();
            }, null);
        } else if (a instanceof Action.AcquireLeaderLock) {
            long now = ticker.monotonicMillis();
            return ok(dcs.attemptToAcquireLeader(), leader(now + ctx.ttlSeconds() * 1000L));
        } else if (a instanceof Action.UpdateLeaderLock) {
            long now = ticker.monotonicMillis();
            long optime = ctx.local().isPrimary() ? ctx.local().walPosition() : 0;
            return ok(dcs.updateLeader(optime, Map.of()), leader(now + ctx.ttlSeconds() * 1000L));
        } else if (a instanceof Action.ReleaseLeaderLock) {
            dcs.deleteLeader(ctx.local().walPosition());
            return ActionExecutor::notLeader;
        } else if (a instanceof Action.WriteInitialize w) {
            String current = ctx.cluster() == null ? null : ctx.cluster().initialize();
            return ok(current == null ? dcs.initialize(true, w.systemId()) : dcs.initialize(false, w.systemId()));
        } else if (a instanceof Action.WriteMissingConfig) {
            return ok(ctx.bootstrapDcsJson() == null || dcs.setConfigValue(ctx.bootstrapDcsJson(), null));
        } else if (a instanceof Action.StartPostgres s) {
            String url = s.followMember() == null ? null : connUrl(ctx, s.followMember());
            long now = ticker.monotonicMillis();
            return then(background("starting", () -> {
                pg.start(s.asPrimary(), s.followMember(), url, ctx.startTimeout());
                statusEvents.postgresStarted();
                pg.fireCallback("on_start", s.asPrimary() ? "primary" : "replica");
                return UnaryOperator.identity();
            }, null), s.asPrimary() ? m -> m.withStartingAsPrimarySince(now) : UnaryOperator.identity());
        } else if (a instanceof Action.Promote) {
            return promote(ctx, mem.lockValidUntil());
        } else if (a instanceof Action.Demote d) {
            if (slot.running() != null) slot.cancel();
            return demote(d, ctx);
        } else if (a instanceof Action.Follow f) {
            pg.follow(f.leaderMember(), connUrl(ctx, f.leaderMember()));
            return UnaryOperator.identity();
        } else if (a instanceof Action.Rewind r) {
            String url = connUrl(ctx, r.sourceMember());
            boolean wipe = ctx.removeDataOnRewindFailure();
            return background("rewind", () -> {
                pg.stop("fast", ctx.startTimeout());
                try {
                    pg.rewind(url);
                } catch (Exception e) {
                    if (!wipe) throw e;
                    LOG.error("pg_rewind failed ({}); removing the data directory to clone again", e.getMessage());
                    pg.removeDataDirectory();
                    return m -> m.withRewindOrReinitNeeded(false);
                }
                pg.start(false, r.sourceMember(), url, ctx.startTimeout());
                return m -> m.withRewindOrReinitNeeded(false);
            }, m -> m.withRewindOrReinitNeeded(true));
        } else if (a instanceof Action.Reinitialize r) {
            String url = connUrl(ctx, r.fromMember());
            String leader = ctx.cluster() != null && ctx.cluster().leader() != null
                    ? ctx.cluster().leader().name() : r.fromMember();
            String leaderUrl = connUrl(ctx, leader);
            return background("reinitialize", () -> {
                pg.stop("immediate", ctx.startTimeout());
                pg.removeDataDirectory();
                pg.cloneFrom(url);
                pg.start(false, leader, leaderUrl, ctx.startTimeout());
                return m -> m.withRewindOrReinitNeeded(false);
            }, null);
        } else if (a instanceof Action.RestartPostgres r) {
            Duration timeout = r.timeoutSeconds() == null ? ctx.startTimeout() : Duration.ofSeconds(r.timeoutSeconds());
            return background("restart", () -> {
                pg.restart(timeout);
                statusEvents.postgresStarted();
                pg.fireCallback("on_restart", ctx.local().isPrimary() ? "primary" : "replica");
                return UnaryOperator.identity();
            }, null);
        } else if (a instanceof Action.ReloadPostgres) {
            pg.reload();
            pg.fireCallback("on_reload", ctx.local().isPrimary() ? "primary" : "replica");
            return UnaryOperator.identity();
        } else if (a instanceof Action.ClearFailover c) {
            return ok(dcs.setFailoverValue("{}", c.version()));
        } else if (a instanceof Action.SyncReplicationSlots s) {
            // Patroni does not drop unknown slots in maintenance mode: an operator may be working with them.
            if (ctx.cluster() != null && ctx.cluster().isPaused()) {
                pg.createMissingReplicationSlots(s.slots());
            } else {
                pg.syncReplicationSlots(s.slots());
            }
            return UnaryOperator.identity();
        } else if (a instanceof Action.FatalExit f) {
            exit.exit(f.reason());
            return null;
        } else if (a instanceof Action.KeepFailoverCandidate k) {
            return ok(dcs.setFailoverValue("{\"member\":\"" + k.candidate().replace("\"", "\\\"") + "\"}",
                    k.version()));
        } else if (a instanceof Action.WaitUntil w) {
            long wait = Math.min(w.wallClockMillis() - ticker.wallMillis(), 60_000);
            if (wait > 0) sleeper.sleep(Duration.ofMillis(wait));
            return UnaryOperator.identity();
        } else if (a instanceof Action.ReportDemoted) {
            pg.fireCallback("on_role_change", "demoted");
            return UnaryOperator.identity();
        } else if (a instanceof Action.ClearScheduledRestart) {
            scheduledRestarts.clear(ctx.scheduledRestart());
            return UnaryOperator.identity();
        } else if (a instanceof Action.StopPostgres) {
            pg.stop("fast", ctx.startTimeout());
            pg.fireCallback("on_stop", "replica");
            return UnaryOperator.identity();
        }
        throw new IllegalStateException("no executor for action " + a);
    }

    private UnaryOperator<NodeMemory> bootstrap(Context ctx) throws Exception {
        try {
            String sysid = pg.bootstrap();
            dcs.initialize(false, sysid);
            if (ctx.bootstrapDcsJson() != null) dcs.setConfigValue(ctx.bootstrapDcsJson(), null);
            long now = ticker.monotonicMillis();
            boolean locked = dcs.attemptToAcquireLeader();
            if (locked) statusEvents.leaderAfterBootstrap(sysid, now + ctx.ttlSeconds() * 1000L);
            pg.fireCallback("on_start", "primary");
            return locked ? leader(now + ctx.ttlSeconds() * 1000L) : UnaryOperator.identity();
        } catch (Exception e) {
            LOG.info("removing initialize key after failed attempt to bootstrap the cluster");
            try {
                dcs.cancelInitialization();
            } catch (Exception e2) {
                LOG.warn("could not delete the initialize key: {}", e2.getMessage());
            }
            try {
                pg.stop("immediate", Duration.ofSeconds(30));
                pg.moveDataDirectoryAside(); // <data_dir>.failed, as Patroni's move_data_directory
            } catch (Exception e3) {
                LOG.warn("could not move the failed data directory aside: {}", e3.getMessage());
            }
            throw e;
        }
    }

    /**
     * Appends the timeline we just left to {@code /history}, as Patroni does from the new timeline's history file.
     * The old timeline is the new one minus one: the timeline seen before promote may be stale on a replica whose
     * last restartpoint predates a previous switchover.
     *
     * <p>The earlier entries come from a fresh read of {@code /history}, not from the cycle's view, and the write is a
     * CAS on that read (re-read and merged on conflict): a view read before the previous leader's own history write
     * landed, or a deposed leader finishing its write late, must not drop an entry.
     */
    private void writeHistory(ClusterView c, LocalPostgres before) {
        int newTimeline = 0;
        try {
            newTimeline = pg.observe().timeline();
        } catch (RuntimeException e) {
            LOG.debug("timeline after promote unknown", e);
        }
        int oldTimeline = newTimeline > 1 ? newTimeline - 1
                : before.timeline() > 0 ? before.timeline() : c.timeline();
        String ts = OffsetDateTime.ofInstant(Instant.ofEpochMilli(ticker.wallMillis()), ZoneOffset.UTC)
                .format(HISTORY_TIMESTAMP);
        TimelineHistory.Entry left = new TimelineHistory.Entry(oldTimeline, before.walPosition(),
                "no recovery target specified", ts, dcs.name());
        try {
            long conflictedAt = -1;
            for (int attempt = 0; attempt < HISTORY_CAS_ATTEMPTS; attempt++) {
                TimelineHistory current = dcs.load().history();
                if (current.version() == conflictedAt) {
                    // Nobody changed it since our CAS failed: the key exists but cannot be decoded (the read logged
                    // it); Patroni overwrites such a value too.
                    dcs.setHistoryValue(appended(current, left));
                    return;
                }
                if (dcs.setHistoryValue(appended(current, left), current.version())) return;
                conflictedAt = current.version();
            }
            LOG.warn("could not update /history: it kept changing under us");
        } catch (Exception e) {
            LOG.warn("could not update /history: {}", e.getMessage());
        }
    }

    /** {@code history}'s entries of timelines before {@code left}'s, then {@code left}. */
    static TimelineHistory appended(TimelineHistory history, TimelineHistory.Entry left) {
        List<TimelineHistory.Entry> entries = new ArrayList<>();
        for (TimelineHistory.Entry e : history.entries()) if (e.timeline() < left.timeline()) entries.add(e);
        entries.add(left);
        return new TimelineHistory(0, entries);
    }

    private UnaryOperator<NodeMemory> promote(Context ctx, long lockValidUntil) throws Exception {
        pg.promote();
        statusEvents.promoted(lockValidUntil);
        pg.fireCallback("on_role_change", "primary");
        if (ctx.memoryRewindNeeded()) LOG.info("cleared rewind state after becoming the leader");
        try {
            pg.checkpoint();
        } catch (Exception e) {
            LOG.warn("CHECKPOINT after promote failed: {}", e.getMessage());
        }
        ClusterView c = ctx.cluster();
        if (c != null) writeHistory(c, ctx.local());
        return m -> m.withRewindOrReinitNeeded(false).withStartingAsPrimarySince(0);
    }

    private UnaryOperator<NodeMemory> demote(Action.Demote d, Context ctx) throws Exception {
        String follow = d.followMember();
        String url = follow == null ? null : connUrl(ctx, follow);
        Duration timeout = ctx.startTimeout();
        switch (d.mode()) {
            case GRACEFUL -> {
                // A CHECKPOINT while still serving writes makes the shutdown checkpoint below nearly free, which
                // shortens the window in which no node accepts writes.
                try {
                    pg.checkpoint();
                } catch (Exception e) {
                    LOG.debug("CHECKPOINT before switchover failed: {}", e.getMessage());
                }
                // Stop first (fast shutdown writes the shutdown checkpoint and walsenders ship it to the replicas),
                // only then release the lock: the candidate can never be promoted while we still accept writes.
                pg.stop("fast", timeout);
                LocalPostgres after = pg.observe();
                dcs.deleteLeader(Math.max(after.walPosition(), ctx.local().walPosition()));
                pg.fireCallback("on_role_change", "demoted");
                return then(background("demote", () -> {
                    pg.start(false, follow, url, timeout);
                    pg.fireCallback("on_role_change", "replica");
                    return UnaryOperator.identity();
                }, null), ActionExecutor::notLeader);
            }
            case IMMEDIATE, IMMEDIATE_NOLOCK -> {
                pg.stop("immediate", timeout);
                if (d.mode() == Action.Demote.Mode.IMMEDIATE) dcs.deleteLeader(0);
                pg.fireCallback("on_role_change", "demoted");
                return m -> notLeader(m).withRewindOrReinitNeeded(true);
            }
            case OFFLINE -> {
                pg.stop("fast", timeout);
                return then(background("demote", () -> {
                    pg.start(false, null, null, timeout);
                    pg.fireCallback("on_role_change", "replica");
                    return UnaryOperator.identity();
                }, null), m -> notLeader(m).withRewindOrReinitNeeded(true));
            }
            default -> throw new IllegalStateException("unknown demote mode " + d.mode());
        }
    }

    private UnaryOperator<NodeMemory> background(String name, BackgroundRunner.Task task,
                                                 UnaryOperator<NodeMemory> onFailure) {
        return slot.submit(name, task, onFailure) ? UnaryOperator.identity() : null;
    }

    /** {@code first} then {@code second}; null (not succeeded) stays null. */
    private static UnaryOperator<NodeMemory> then(UnaryOperator<NodeMemory> first, UnaryOperator<NodeMemory> second) {
        return first == null ? null : m -> second.apply(first.apply(m));
    }

    private static UnaryOperator<NodeMemory> ok(boolean success) {
        return success ? UnaryOperator.identity() : null;
    }

    private static UnaryOperator<NodeMemory> ok(boolean success, UnaryOperator<NodeMemory> update) {
        return success ? update : null;
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
