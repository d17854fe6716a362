package dev.regent.daemon.wiring;

import dev.regent.core.ha.Command;
import dev.regent.core.ha.PeerStatus;
import dev.regent.core.ha.ReinitializeConditions;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.Member;
import dev.regent.daemon.loop.CycleReport;
import dev.regent.daemon.loop.HaLoop;
import dev.regent.daemon.loop.PeerProber;
import dev.regent.daemon.loop.ScheduledRestarts;
import dev.regent.daemon.rest.NodeControl;
import dev.regent.daemon.rest.NodeStatus;
import dev.regent.daemon.rest.RestartRequest;
import dev.regent.dcs.Dcs;
import dev.regent.dcs.DcsException;
import dev.regent.time.Deadline;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The REST API's write side: DCS writes go straight to the DCS (the DCS is the command channel for switchover and
 * configuration); postgres commands (restart, reinitialize, reload) go through the loop's command queue, so only the
 * loop acts on postgres. Thread-safe.
 */
public final class DaemonControl implements NodeControl {
    private final Dcs dcs;
    private final HaLoop loop;
    private final PeerProber prober;
    private final StatusPublisher status;
    private final Runnable reloadConfigFile;
    private final String name;
    private final LiveWal liveWal;
    private final Ticker ticker;
    private final Sleeper sleeper;

    public DaemonControl(String name, Dcs dcs, HaLoop loop, PeerProber prober, StatusPublisher status,
                         Runnable reloadConfigFile) {
        this(name, dcs, loop, prober, status, reloadConfigFile, null);
    }

    DaemonControl(String name, Dcs dcs, HaLoop loop, PeerProber prober, StatusPublisher status,
                  Runnable reloadConfigFile, LiveWal liveWal) {
        this(name, dcs, loop, prober, status, reloadConfigFile, liveWal, Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    /**
     * @param liveWal reads the WAL positions for {@code GET /patroni}; null = answer from the snapshot
     * @param ticker  measures how long a REST request waits for a leader change or a restart
     */
    DaemonControl(String name, Dcs dcs, HaLoop loop, PeerProber prober, StatusPublisher status,
                  Runnable reloadConfigFile, LiveWal liveWal, Ticker ticker, Sleeper sleeper) {
        this.ticker = ticker;
        this.sleeper = sleeper;
        this.liveWal = liveWal;
        this.name = name;
        this.dcs = dcs;
        this.loop = loop;
        this.prober = prober;
        this.status = status;
        this.reloadConfigFile = reloadConfigFile;
    }

    private volatile dev.regent.daemon.ledger.DecisionBook decisions;

    /** The decision ledger {@code GET /decisions} and the metrics read. */
    public void setDecisions(dev.regent.daemon.ledger.DecisionBook book) {
        this.decisions = book;
    }

    @Override
    public List<dev.regent.core.ledger.LedgerEntry> decisions() {
        dev.regent.daemon.ledger.DecisionBook b = decisions;
        return b == null ? List.of() : b.entries();
    }

    @Override
    public java.util.Map<String, Long> decisionCounts() {
        dev.regent.daemon.ledger.DecisionBook b = decisions;
        return b == null ? java.util.Map.of() : b.counts();
    }

    @Override
    public NodeStatus.PgDetails livePostgres(NodeStatus.PgDetails published) {
        return liveWal == null ? published : liveWal.overlay(published);
    }

    @Override
    public boolean failsafeModeEnabled() {
        return loop.failsafeModeEnabled();
    }

    @Override
    public Map<String, String> failsafeTopology() {
        return loop.failsafe().topology();
    }

    @Override
    public FailsafeReply acceptFailsafe(String leader, String connUrl, String apiUrl,
                                        java.util.Map<String, Long> slots) {
        dev.regent.core.ha.LocalPostgres local = loop.lastLocal();
        ClusterView seen = loop.lastCluster();
        String refusal = dev.regent.core.ha.FailsafeRule.refusal(local != null && local.isPrimary(),
                seen == null || seen.leader() == null ? null : seen.leader().name(), leader, name);
        if (refusal != null) return new FailsafeReply(500, refusal, null);
        loop.failsafe().accept(leader, apiUrl, connUrl, slots, ticker.monotonicMillis());
        // Patroni answers with the last position it read (touch_member), never querying postgres here
        Long lsn = local == null || !local.isRunning() || local.walPosition() <= 0 ? null : local.walPosition();
        return new FailsafeReply(200, "Accepted", lsn);
    }

    @Override
    public ClusterView readCluster() throws DcsException {
        return dcs.load();
    }

    @Override
    public boolean patchConfig(String json, long expectedVersion) throws DcsException {
        boolean ok = dcs.setConfigValue(json, expectedVersion);
        if (ok) loop.wakeUp();
        return ok;
    }

    @Override
    public boolean putConfig(String json) throws DcsException {
        boolean ok = dcs.setConfigValue(json, null);
        if (ok) loop.wakeUp();
        return ok;
    }

    @Override
    public boolean writeFailover(Failover request, ZoneOffset offset, Long version) throws DcsException {
        boolean ok = dcs.setFailover(request, offset, version);
        if (ok) loop.wakeUp();
        return ok;
    }

    @Override
    public boolean clearFailover(long version) throws DcsException {
        boolean ok = dcs.clearFailover(version);
        if (ok) loop.wakeUp();
        return ok;
    }

    @Override
    public ClusterView awaitLeaderChange(String previousLeader, Duration maxWait)
            throws DcsException, InterruptedException {
        Deadline deadline = Deadline.after(ticker, maxWait);
        ClusterView c = dcs.load();
        while (true) {
            boolean changed = c.leader() != null && !Objects.equals(c.leader().name(), previousLeader);
            if (changed || c.failover() == null) return c;
            if (deadline.expired()) return c;
            // Short watches: a missed event costs at most 200 ms, never the whole loop_wait.
            dcs.watch(deadline.cap(Duration.ofMillis(200)));
            c = dcs.load();
        }
    }

    @Override
    public List<PeerStatus> fetchPeerStatuses(List<Member> members) {
        Map<String, PeerStatus> m = prober.probe(members, name);
        List<PeerStatus> out = new ArrayList<>();
        for (Member member : members) {
            PeerStatus p = member.name().equals(name) ? self(member) : m.get(member.name());
            if (p != null) out.add(p);
        }
        return out;
    }

    /**
     * This node as a candidate (POST /failover to the candidate itself): Patroni asks its own REST API; here the
     * published member key and status answer. Only reachability and promotability matter to the callers.
     */
    private PeerStatus self(Member me) {
        NodeStatus s = status.get();
        return new PeerStatus(name, true, false, 0, 0, me.failoverPriority(), s != null && s.isRunning(),
                me.noFailover());
    }

    @Override
    public RestartResult requestRestart(RestartRequest request) {
        NodeStatus before = status.get();
        Instant startedBefore = before.pg() == null ? null : before.pg().postmasterStartTime();
        loop.submit(new Command.Restart(request.timeoutSeconds()));
        Deadline deadline = Deadline.after(ticker, Duration.ofSeconds(request.timeoutSeconds() == null ? 120
                : request.timeoutSeconds() + 30));
        try {
            if (deadline.await(() -> restarted(startedBefore), Duration.ofMillis(100), sleeper)) {
                return new RestartResult(true, "restarted successfully");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new RestartResult(false, "restart failed");
    }

    /** Postgres runs again, started after {@code startedBefore}, and no background task is left. */
    private boolean restarted(Instant startedBefore) {
        NodeStatus now = status.get();
        Instant started = now.pg() == null ? null : now.pg().postmasterStartTime();
        return now.isRunning() && started != null && !started.equals(startedBefore) && loop.backgroundTask() == null;
    }

    @Override
    public boolean scheduleRestart(RestartRequest request) {
        NodeStatus now = status.get();
        Instant started = now.pg() == null ? null : now.pg().postmasterStartTime();
        return loop.scheduleRestart(new ScheduledRestarts.Entry(request.toScheduled(started),
                request.published(started)));
    }

    @Override
    public boolean cancelScheduledRestart() {
        return loop.cancelScheduledRestart();
    }

    @Override
    public void requestReload() {
        reloadConfigFile.run();
        loop.submit(new Command.Reload());
    }

    @Override
    public String requestReinitialize(boolean force, boolean fromLeader) {
        CycleReport r = status.lastReport();
        ClusterView c = r == null ? null : r.lastCluster();
        String refusal = ReinitializeConditions.refusal(c, name, loop.backgroundTask(), force);
        if (refusal != null) return refusal;
        loop.submit(new Command.Reinitialize(force, fromLeader));
        return null;
    }

    @Override
    public void wakeUp() {
        loop.wakeUp();
    }
}
