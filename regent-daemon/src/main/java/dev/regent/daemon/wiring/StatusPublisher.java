package dev.regent.daemon.wiring;

import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.NodeMemory;
import dev.regent.core.model.ClusterView;
import dev.regent.daemon.Versions;
import dev.regent.daemon.loop.ActionExecutor;
import dev.regent.daemon.loop.CycleReport;
import dev.regent.daemon.loop.MemberDataBuilder;
import dev.regent.daemon.rest.NodeStatus;
import dev.regent.postgres.PgConnection;
import dev.regent.postgres.PgStatus;
import dev.regent.time.Ticker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Turns each {@link CycleReport} into the immutable {@link NodeStatus} the REST API serves. The lock is reported valid
 * only until the time the loop computed from its last successful lock write, so {@code /primary} turns 503 on time
 * even if the loop stalls. Thread-safe: written by the loop thread, read by REST workers.
 */
public final class StatusPublisher implements Consumer<CycleReport>, Supplier<NodeStatus>,
        ActionExecutor.StatusEvents {
    private final String scope;
    private final String name;
    private final Supplier<PgStatus> pgStatus;
    private final Ticker ticker;
    private final AtomicReference<NodeStatus> current = new AtomicReference<>();
    private final AtomicReference<CycleReport> lastReport = new AtomicReference<>();
    /** Failsafe mode's state, for {@code failsafe_mode_is_active} (null: never active). */
    private volatile dev.regent.daemon.loop.FailsafeState failsafe;
    private volatile Supplier<Map<String, Object>> scheduledRestart = () -> null;
    private volatile Supplier<PgConnection.WalNow> liveWal = () -> {
        throw new IllegalStateException("no live WAL reader");
    };

    public StatusPublisher(String scope, String name, Supplier<PgStatus> pgStatus) {
        this(scope, name, pgStatus, Ticker.SYSTEM);
    }

    /** @param ticker paces the liveness checks of {@link #get()} */
    public StatusPublisher(String scope, String name, Supplier<PgStatus> pgStatus, Ticker ticker) {
        this.ticker = ticker;
        this.scope = scope;
        this.name = name;
        this.pgStatus = pgStatus;
        current.set(NodeStatus.builder(scope, name).version(Versions.PATRONI_COMPATIBLE).state("starting")
                .role("uninitialized").build());
    }

    /** How often, at most, a read of a running status checks that the postmaster is still alive (~20 us a check). */
    static final long LIVENESS_CHECK_NANOS = 5_000_000L;
    private volatile BooleanSupplier postmasterExited = () -> false;
    private volatile Supplier<String> postmasterStatus = () -> "";
    private volatile long lastLivenessCheck;

    /**
     * The status the REST API serves. While it says postgres runs, the postmaster's liveness is checked at most every
     * {@link #LIVENESS_CHECK_NANOS}: a postmaster that died since is published as stopped at once (Patroni's health
     * checks query postgres on each request, so a killed server answers 503 at once; the watch alone polls every
     * 250 ms). While it says "starting", whether postgres accepts connections is checked as often (one read of
     * postmaster.pid), so the status turns "running" as soon as SQL works, not when the start's poll notices.
     */
    @Override
    public NodeStatus get() {
        NodeStatus s = current.get();
        boolean running = s.isRunning();
        if (!running && !"starting".equals(s.state())) return s;
        long now = ticker.nanoTime();
        if (now - lastLivenessCheck < LIVENESS_CHECK_NANOS) return s;
        lastLivenessCheck = now;
        if (running) {
            if (postmasterExited.getAsBoolean()) postmasterExited();
        } else {
            String pm = postmasterStatus.get();
            if (pm.equals("ready") || pm.equals("standby")) postmasterReady(pm.equals("standby"));
        }
        return current.get();
    }

    /**
     * Where {@link #get()} learns, while the status says "starting", whether postgres accepts connections now: the
     * status line of postmaster.pid ("ready", "standby", ...; "" when none runs).
     */
    public void setPostmasterStatusCheck(Supplier<String> check) {
        this.postmasterStatus = check;
    }

    /**
     * postgres accepts connections (postmaster.pid says ready or standby: the postmaster writes that before it lets the
     * first client in) while the last status says "starting": publish it running, a replica when "standby", with
     * what the last observation knew (timeline and position from pg_control). The background start or the next cycle publishes the full observation.
     */
    private void postmasterReady(boolean inRecovery) {
        CycleReport r = lastReport.get();
        if (r == null || r.local().dataDirEmpty()) return;
        LocalPostgres l = r.local();
        LocalPostgres running = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, l.systemId(), inRecovery,
                null, l.timeline(), l.walPosition(), null, null, null, inRecovery ? l.followedMember() : null,
                l.primarySlotName());
        NodeStatus.PgDetails details = new NodeStatus.PgDetails(null, l.serverVersion(), inRecovery,
                l.walPosition(), null, null, null, false, null, l.timeline(), null, List.of());
        publish(new CycleReport(r.cluster(), r.lastCluster(), running, r.memory(), r.settings(), r.message(), null,
                r.dcsLastSeenEpochSeconds(), r.nextCycleAtMillis(), r.monotonicNowMillis()), details);
    }

    /** Where {@link #get()} learns that the known postmaster exited (the postmaster watch). */
    public void setPostmasterExitedCheck(BooleanSupplier check) {
        this.postmasterExited = check;
    }

    public CycleReport lastReport() {
        return lastReport.get();
    }

    /** Reads role, timeline and WAL positions now, over the REST API's own connection (never the HA loop's). */
    public void setLiveWalReader(Supplier<PgConnection.WalNow> reader) {
        this.liveWal = reader;
    }

    /**
     * A start of postgres (crash recovery in place, a replica start) just ended with postgres accepting connections,
     * before its {@code on_start} callback and the loop's next cycle: publish the last cycle's status with postgres
     * running, as read now (role, timeline, WAL positions), so {@code GET /} stops answering 503 "starting" the
     * moment SQL works (Patroni's health checks query postgres on each request). If the read fails nothing is
     * published; the next cycle will. Called on the background thread.
     */
    @Override
    public void postgresStarted() {
        CycleReport r = lastReport.get();
        if (r != null) publishLive(r, r.cluster(), r.memory());
    }

    /**
     * postgres was just promoted (called on the loop thread before the callbacks, the CHECKPOINT and the history write
     * that end the cycle): publish it running as read now, holding the lock until the time given, so {@code /primary}
     * answers 200 the moment the promotion is done, as with Patroni. The last cluster view still names the old leader,
     * so none is given: the lock validity alone says we hold it.
     */
    @Override
    public void promoted(long lockValidUntilMonotonicMillis) {
        CycleReport r = lastReport.get();
        if (r == null) return;
        publishLive(r, null, r.memory().withLockValidUntil(lockValidUntilMonotonicMillis).withWasLeader(true));
    }

    /** The last report with postgres running as read now over the REST connection; nothing when the read fails. */
    private void publishLive(CycleReport r, ClusterView cluster, NodeMemory memory) {
        PgConnection.WalNow w;
        try {
            w = liveWal.get();
        } catch (RuntimeException e) {
            return;
        }
        LocalPostgres l = r.local();
        long location = w.location() == null ? 0 : w.location();
        LocalPostgres running = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, l.systemId(),
                w.inRecovery(), null, w.timeline(), location, w.receiveLsn(), w.replayLsn(), null,
                w.inRecovery() ? l.followedMember() : null, l.primarySlotName());
        NodeStatus.PgDetails details = new NodeStatus.PgDetails(null, l.serverVersion(), w.inRecovery(), location,
                w.receiveLsn(), w.replayLsn(), null, false, w.receiveLsn(), w.timeline(), null, List.of());
        publish(new CycleReport(cluster, cluster != null ? r.lastCluster() : r.cluster() != null ? r.cluster()
                : r.lastCluster(), running, memory, r.settings(), r.message(), null, r.dcsLastSeenEpochSeconds(),
                r.nextCycleAtMillis(), r.monotonicNowMillis()), details);
    }

    /** Where the published scheduled restart comes from (the loop's; read at every cycle). */
    public void setScheduledRestartSource(Supplier<Map<String, Object>> source) {
        this.scheduledRestart = source;
    }

    /**
     * The postmaster just died (seen by the postmaster watch, between cycles): publish the last cycle's status with
     * postgres stopped at once, so health checks ({@code /replica}, {@code /primary}, {@code /}) stop answering 200
     * now rather than after the next cycle (up to loop_wait later). The cycle the watch wakes then publishes the full
     * observation. Called from the watch thread.
     */
    public void postmasterExited() {
        CycleReport r = lastReport.get();
        if (r == null || r.local().process() == LocalPostgres.ProcessState.STOPPED) return;
        LocalPostgres l = r.local();
        // pg_control still says what the server was doing: a killed primary is "in production" (Patroni: crashed)
        String control = Boolean.TRUE.equals(l.inRecovery()) ? "in archive recovery" : "in production";
        LocalPostgres stopped = new LocalPostgres(LocalPostgres.ProcessState.STOPPED, l.dataDirEmpty(), l.systemId(),
                l.inRecovery(), control, l.timeline(), l.walPosition(), null, null, null, l.followedMember(),
                l.primarySlotName());
        accept(new CycleReport(r.cluster(), r.lastCluster(), stopped, r.memory(), r.settings(), r.message(),
                r.backgroundTask(), r.dcsLastSeenEpochSeconds(), r.nextCycleAtMillis(), r.monotonicNowMillis()));
    }

    /**
     * A bootstrap just took the leader lock (called on the background thread, before the loop's next cycle): publish
     * the last cycle's status with postgres running as the primary of {@code systemId}, no task in progress and the
     * lock held, so {@code GET /} answers 200 "running" as soon as the leader key can be seen (Patroni's postgres is
     * already "running" then and its leader flag is set right after take_leader). The next cycle publishes the full
     * observation.
     */
    @Override
    public void leaderAfterBootstrap(String systemId, long lockValidUntilMonotonicMillis) {
        CycleReport r = lastReport.get();
        if (r == null) return;
        LocalPostgres l = r.local();
        LocalPostgres primary = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, systemId, false,
                "in production", Math.max(1, l.timeline()), l.walPosition(), null, null, null, null, null);
        // no cluster view: the last one predates the leader key, and the lock is ours until the time given
        accept(new CycleReport(null, r.cluster() != null ? r.cluster() : r.lastCluster(), primary,
                r.memory().withLockValidUntil(lockValidUntilMonotonicMillis).withWasLeader(true), r.settings(),
                r.message(), null, r.dcsLastSeenEpochSeconds(), r.nextCycleAtMillis(), r.monotonicNowMillis()));
    }

    /** The watchdog behind {@code watchdog_failed} (null: none). */
    private volatile dev.regent.daemon.watchdog.Watchdog watchdog;

    public void setWatchdog(dev.regent.daemon.watchdog.Watchdog w) {
        this.watchdog = w;
    }

    /** Where {@code failsafe_mode_is_active} comes from. */
    public void setFailsafeState(dev.regent.daemon.loop.FailsafeState state) {
        this.failsafe = state;
    }

    @Override
    public void accept(CycleReport r) {
        publish(r, null);
    }

    /** Publishes {@code r}; the PostgreSQL details are {@code given}, or else those of the loop's last status query. */
    private void publish(CycleReport r, NodeStatus.PgDetails given) {
        lastReport.set(r);
        LocalPostgres local = r.local();
        ClusterView c = r.cluster() != null ? r.cluster() : r.lastCluster();
        boolean holdsLock = r.memory().lockValidUntil() > r.monotonicNowMillis()
                && (r.cluster() == null || r.cluster().isLeader(name));
        PgStatus s = given == null && local.isRunning() ? pgStatus.get() : null;
        NodeStatus.PgDetails details = given;
        if (s != null) {
            List<NodeStatus.WalSender> senders = s.replication().stream().map(x -> new NodeStatus.WalSender(
                    x.usename(), x.applicationName(), x.clientAddr(), x.state(), x.syncState(), x.syncPriority()))
                    .toList();
            details = new NodeStatus.PgDetails(s.postmasterStartTime() == null ? null
                    : s.postmasterStartTime().toInstant(), s.serverVersion(), s.inRecovery(), s.walPosition(),
                    s.receiveLsn(), s.replayLsn(), null, false, s.receiveLsn(), s.timeline(), s.replicationState(),
                    senders);
        }
        int ttl = r.settings().ttlSeconds();
        // a standby cluster while its section is active in /config (else in the cached dynamic configuration)
        boolean standbyCluster = (c != null && c.config() != null ? c.config() : r.settings().dynamic())
                .standbyCluster() != null;
        NodeStatus status = NodeStatus.builder(scope, name)
                .version(Versions.PATRONI_COMPATIBLE)
                .state(MemberDataBuilder.state(local, r.backgroundTask(), c != null && c.isPaused()))
                .role(MemberDataBuilder.role(local, holdsLock && standbyCluster))
                .standbyCluster(standbyCluster)
                .pg(details)
                .paused(c != null && c.isPaused())
                .failsafeActive(failsafe != null && failsafe.isActive(r.monotonicNowMillis(), ttl))
                .watchdogFailed(watchdog != null && !watchdog.isHealthy(ttl, r.settings().loopWaitSeconds()))
                .dcsLastSeen(r.dcsLastSeenEpochSeconds() == 0 ? null : r.dcsLastSeenEpochSeconds())
                .tags(dev.regent.core.model.Tags.published(r.settings().tags()))
                .systemIdentifier(local.systemId())
                .scheduledRestart(scheduledRestart.get())
                .pendingRestartReason(new java.util.LinkedHashMap<>(local.pendingRestartReason()))
                .leaderLock(holdsLock, r.memory().lockValidUntil())
                .cluster(c, r.cluster() == null ? 0 : r.monotonicNowMillis() + ttl * 1000L)
                .nextCycleAt(r.nextCycleAtMillis())
                .ttl(ttl)
                .loopWait(r.settings().loopWaitSeconds())
                .maximumLagOnFailover(r.settings().dynamic().maximumLagOnFailover())
                .build();
        current.set(status);
    }
}
