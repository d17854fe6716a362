package dev.regent.daemon.rest;

import dev.regent.core.ha.PeerStatus;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.Member;
import dev.regent.dcs.DcsJson;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * In-memory {@link NodeControl} for tests: a mutable cluster view guarded by this object's monitor, with config and
 * failover writes applied to it (CAS on versions) and every call recorded.
 */
class FakeNodeControl implements NodeControl {
    private ClusterView view = ClusterView.empty();
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile boolean failsafeOn;
    volatile java.util.Map<String, String> failsafeTopology;
    volatile FailsafeReply failsafeReply = new FailsafeReply(200, "Accepted", 1234L);

    @Override
    public boolean failsafeModeEnabled() {
        return failsafeOn;
    }

    @Override
    public java.util.Map<String, String> failsafeTopology() {
        return failsafeTopology;
    }

    @Override
    public FailsafeReply acceptFailsafe(String name, String connUrl, String apiUrl, java.util.Map<String, Long> slots) {
        calls.add("acceptFailsafe " + name + " " + connUrl + " " + apiUrl + (slots.isEmpty() ? "" : " " + slots));
        return failsafeReply;
    }
    volatile List<PeerStatus> peers;
    volatile List<dev.regent.core.ledger.LedgerEntry> decisions = List.of();
    volatile java.util.Map<String, Long> decisionCounts = java.util.Map.of();

    @Override
    public List<dev.regent.core.ledger.LedgerEntry> decisions() {
        return decisions;
    }

    @Override
    public java.util.Map<String, Long> decisionCounts() {
        return decisionCounts;
    }
    /** The table PATCH/PUT /config refuse by. */
    volatile List<dev.regent.core.config.UnsupportedSettings.Setting> unsupported =
            dev.regent.core.config.UnsupportedSettings.ALL;

    @Override
    public List<dev.regent.core.config.UnsupportedSettings.Setting> unsupportedSettings() {
        return unsupported;
    }

    volatile RestartResult restartResult = new RestartResult(true, "restarted successfully");
    volatile boolean scheduleAccepted = true;
    volatile boolean scheduledRestart;
    volatile String reinitError;
    volatile boolean failWrites;
    volatile RestartRequest lastRestart;
    /** Called (on a worker thread) after a failover write, to play the HA loop's part. */
    volatile Consumer<FakeNodeControl> onFailoverWrite = c -> {};

    synchronized void setView(ClusterView v) {
        view = v;
        notifyAll();
    }

    synchronized ClusterView view() {
        return view;
    }

    @Override
    public synchronized ClusterView readCluster() {
        calls.add("readCluster");
        return view;
    }

    @Override
    public synchronized boolean patchConfig(String json, long expectedVersion) {
        calls.add("patchConfig " + json);
        ClusterConfig c = view.config();
        if (c == null || c.version() != expectedVersion) return false;
        setView(with(view, new ClusterConfig(c.version() + 1, Json.parse(json)), view.failover()));
        return true;
    }

    @Override
    public synchronized boolean putConfig(String json) {
        calls.add("putConfig " + json);
        if (failWrites) return false;
        long v = view.config() == null ? 1 : view.config().version() + 1;
        setView(with(view, new ClusterConfig(v, Json.parse(json)), view.failover()));
        return true;
    }

    /** Encodes and decodes through the DCS codec, so the recorded call shows the exact bytes of the key. */
    @Override
    public boolean writeFailover(Failover request, ZoneOffset offset, Long version) {
        return write(DcsJson.failoverToJson(request, offset), version);
    }

    @Override
    public boolean clearFailover(long version) {
        return write(DcsJson.failoverToJson(null, null), version);
    }

    private boolean write(String json, Long version) {
        synchronized (this) {
            calls.add("writeFailover " + json + " " + version);
            if (failWrites) return false;
            Failover cur = view.failover();
            if (version != null && (cur == null || cur.version() != version)) return false;
            setView(with(view, view.config(), DcsJson.parseFailover(cur == null ? 1 : cur.version() + 1, json)));
        }
        onFailoverWrite.accept(this);
        return true;
    }

    @Override
    public synchronized ClusterView awaitLeaderChange(String previousLeader, Duration maxWait)
            throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            boolean changed = view.leader() != null && !view.leader().name().equals(previousLeader);
            long left = deadline - System.nanoTime();
            if (changed || view.failover() == null || left <= 0) return view;
            wait(Math.max(1, left / 1_000_000));
        }
    }

    @Override
    public List<PeerStatus> fetchPeerStatuses(List<Member> members) {
        calls.add("fetchPeerStatuses " + members.stream().map(Member::name).toList());
        if (peers != null) return peers;
        List<PeerStatus> out = new ArrayList<>();
        for (Member m : members) out.add(new PeerStatus(m.name(), true, false, 0, 1, 1, true));
        return out;
    }

    @Override
    public RestartResult requestRestart(RestartRequest request) {
        calls.add("requestRestart");
        lastRestart = request;
        return restartResult;
    }

    @Override
    public boolean scheduleRestart(RestartRequest request) {
        calls.add("scheduleRestart " + request.json());
        lastRestart = request;
        if (!scheduleAccepted || scheduledRestart) return false;
        scheduledRestart = true;
        return true;
    }

    @Override
    public boolean cancelScheduledRestart() {
        calls.add("cancelScheduledRestart");
        boolean had = scheduledRestart;
        scheduledRestart = false;
        return had;
    }

    @Override
    public void requestReload() {
        calls.add("requestReload");
    }

    @Override
    public String requestReinitialize(boolean force, boolean fromLeader) {
        calls.add("requestReinitialize " + force + " " + fromLeader);
        return reinitError;
    }

    @Override
    public void wakeUp() {
        calls.add("wakeUp");
    }

    static ClusterView with(ClusterView v, ClusterConfig config, Failover failover) {
        return new ClusterView(v.initialize(), config, v.leader(), v.status(), v.members(), failover, v.sync(),
                v.history(), v.failsafe());
    }

    static Instant parseInstant(String s) {
        return OffsetDateTime.parse(s).toInstant();
    }
}
