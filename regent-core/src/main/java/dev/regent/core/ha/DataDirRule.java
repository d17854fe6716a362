package dev.regent.core.ha;

import dev.regent.core.ha.action.Action.FatalExit;
import dev.regent.core.ha.action.Action.ReleaseLeaderLock;

/**
 * The data directory exists: it must belong to this cluster (Patroni's sysid check in _run_cycle, §6.2 step 9).
 * A foreign system id is fatal (in pause the lock is released instead, and the node keeps going); a node with data
 * in a cluster without {@code initialize} adopts its data, unless its postgres runs as a replica.
 */
final class DataDirRule {
    private DataDirRule() {}

    /** A terminal decision when the data directory can not be used, else null. */
    static Decision check(Ctx c) {
        String sysid = c.pg.systemId();
        if (sysid == null) return null;
        if (c.cluster.isInitialized() && !c.cluster.initialize().equals(sysid)) {
            if (c.paused()) {
                return c.hasLock() ? c.decide("released leader key voluntarily due to the system ID mismatch",
                        new ReleaseLeaderLock()) : null;
            }
            String msg = "system ID mismatch, node " + c.me + " belongs to a different cluster: "
                    + c.cluster.initialize() + " != " + sysid;
            return c.decide(msg, new FatalExit(msg));
        }
        if (mustAdopt(c) && c.pg.isReplica()) {
            String msg = "Can't start; the cluster has no initialize key and the local postgres is a replica: "
                    + "start the primary first";
            return c.decide(msg, new FatalExit(msg));
        }
        return null;
    }

    /** No {@code initialize} key, nobody holds the lock, and we have data with a known system id. */
    static boolean mustAdopt(Ctx c) {
        return c.cluster.initialize() == null && c.cluster.isUnlocked() && c.pg.systemId() != null;
    }
}
