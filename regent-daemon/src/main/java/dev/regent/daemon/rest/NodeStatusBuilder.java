package dev.regent.daemon.rest;

import dev.regent.core.model.ClusterView;
import java.util.Map;

/** Mutable builder of {@link NodeStatus}; not thread-safe. Every setter returns {@code this}. */
public final class NodeStatusBuilder {
    private final String scope;
    private final String name;
    private String version = "4.1.4";
    private String state = "stopped";
    private String role = "uninitialized";
    private NodeStatus.PgDetails pg;
    private boolean paused;
    private boolean failsafeActive;
    private boolean standbyCluster;
    private Long dcsLastSeen;
    private Map<String, Object> tags = Map.of();
    private String systemIdentifier;
    private Map<String, Object> pendingRestartReason = Map.of();
    private Map<String, Object> scheduledRestart;
    private boolean watchdogFailed;
    private boolean holdsLeaderLock;
    private long leaderLockValidUntil;
    private ClusterView cluster;
    private long clusterValidUntil;
    private long nextCycleAt;
    private int ttl = 30;
    private int loopWait = 10;
    private long maximumLagOnFailover = 1048576L;

    NodeStatusBuilder(String scope, String name) {
        this.scope = scope;
        this.name = name;
    }

    public NodeStatusBuilder version(String v) { version = v; return this; }
    public NodeStatusBuilder state(String v) { state = v; return this; }
    public NodeStatusBuilder role(String v) { role = v; return this; }
    public NodeStatusBuilder pg(NodeStatus.PgDetails v) { pg = v; return this; }
    public NodeStatusBuilder paused(boolean v) { paused = v; return this; }
    public NodeStatusBuilder failsafeActive(boolean v) { failsafeActive = v; return this; }
    public NodeStatusBuilder standbyCluster(boolean v) { standbyCluster = v; return this; }
    public NodeStatusBuilder dcsLastSeen(Long v) { dcsLastSeen = v; return this; }
    public NodeStatusBuilder tags(Map<String, Object> v) { tags = v; return this; }
    public NodeStatusBuilder systemIdentifier(String v) { systemIdentifier = v; return this; }
    public NodeStatusBuilder pendingRestartReason(Map<String, Object> v) { pendingRestartReason = v; return this; }
    public NodeStatusBuilder scheduledRestart(Map<String, Object> v) { scheduledRestart = v; return this; }
    public NodeStatusBuilder watchdogFailed(boolean v) { watchdogFailed = v; return this; }

    /** This node holds the lock until monotonic {@code validUntil} ms. */
    public NodeStatusBuilder leaderLock(boolean held, long validUntil) {
        holdsLeaderLock = held;
        leaderLockValidUntil = validUntil;
        return this;
    }

    /** Last DCS view, fresh until monotonic {@code validUntil} ms. */
    public NodeStatusBuilder cluster(ClusterView v, long validUntil) {
        cluster = v;
        clusterValidUntil = validUntil;
        return this;
    }

    public NodeStatusBuilder nextCycleAt(long v) { nextCycleAt = v; return this; }
    public NodeStatusBuilder ttl(int v) { ttl = v; return this; }
    public NodeStatusBuilder loopWait(int v) { loopWait = v; return this; }
    public NodeStatusBuilder maximumLagOnFailover(long v) { maximumLagOnFailover = v; return this; }

    public NodeStatus build() {
        return new NodeStatus(name, scope, version, state, role, pg, paused, failsafeActive, standbyCluster,
                dcsLastSeen, tags, systemIdentifier, pendingRestartReason, scheduledRestart, watchdogFailed,
                holdsLeaderLock, leaderLockValidUntil, cluster, clusterValidUntil, nextCycleAt, ttl, loopWait,
                maximumLagOnFailover);
    }
}
