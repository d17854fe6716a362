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
        if (c.pg.dataDirEmpty()) return null;
        String sysid = c.pg.systemId();
        if (sysid == null || !sysidValid(sysid)) {
            // data directory is not empty, but no valid sysid: the cluster must be broken
            return c.decide("data dir for the cluster is not empty, but system ID is invalid; "
                    + "consider doing reinitialize");
        }
        if (sysidValid(c.cluster.initialize()) && !c.cluster.initialize().equals(sysid)) {
            if (c.paused()) {
                return c.hasLock() ? c.decide("released leader key voluntarily due to the system ID mismatch",
                        new ReleaseLeaderLock()) : null;
            }
            String msg = "system ID mismatch, node " + c.me + " belongs to a different cluster: "
                    + c.cluster.initialize() + " != " + sysid;
            return c.decide(msg, new FatalExit(msg));
        }
        if (mustAdopt(c) && c.pg.isReplica()) {
            String msg = "No initialize key in DCS and PostgreSQL is running as replica, aborting start";
            c.warnings.add("Please first start Patroni on the node running as primary");
            return c.decide(msg, new FatalExit(msg));
        }
        return null;
    }

    /** Patroni's sysid_valid: at least 10 digits (the id starts with the initdb time in seconds shifted left). */
    static boolean sysidValid(String sysid) {
        return sysid != null && sysid.length() >= 10 && sysid.chars().allMatch(Character::isDigit);
    }

    /** No {@code initialize} key, nobody holds the lock, not paused, and we have data with a valid system id. */
    static boolean mustAdopt(Ctx c) {
        return c.cluster.initialize() == null && c.cluster.isUnlocked() && !c.paused() && sysidValid(c.pg.systemId());
    }
}
