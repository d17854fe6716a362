package dev.regent.core.ha;

import dev.regent.core.model.ClusterView;

/**
 * When a node may be reinitialized (wiped and re-cloned), with Patroni's reasons: checked by {@code POST
 * /reinitialize} before it queues the command, and again by the decider when it runs it (the cluster may have changed
 * in between), as Patroni checks in both {@code do_POST_reinitialize} and {@code Ha.reinitialize}. Pure.
 */
public final class ReinitializeConditions {
    private ReinitializeConditions() {}

    /**
     * Why the node named {@code myName} must not be reinitialized in this cluster (null = no DCS snapshot), or null:
     * never without a leader to clone from, never the leader itself.
     */
    public static String refusal(ClusterView cluster, String myName) {
        if (cluster == null || cluster.isUnlocked()) return "Cluster has no leader, can not reinitialize";
        if (cluster.isLeader(myName)) return "I am the leader, can not reinitialize";
        return null;
    }

    /**
     * {@link #refusal(ClusterView, String)}, then a long action in progress ({@code backgroundTask}, null = none)
     * refuses the request unless {@code force} cancels it.
     */
    public static String refusal(ClusterView cluster, String myName, String backgroundTask, boolean force) {
        String refusal = refusal(cluster, myName);
        if (refusal != null) return refusal;
        if (backgroundTask != null && !force) return backgroundTask + " already in progress";
        return null;
    }
}
