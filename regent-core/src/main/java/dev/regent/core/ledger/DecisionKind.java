package dev.regent.core.ledger;

import java.util.Locale;

/** What a recorded decision changed; {@link #label()} is the JSON {@code kind} and the metric's {@code kind} label. */
public enum DecisionKind {
    /** This node took the leader lock (and promoted, unless it already ran as primary). */
    LEADER_RACE_WON,
    /** The cluster had no leader and this node stood back, or another member took the lock first. */
    LEADER_RACE_LOST,
    /** A promotion under a lock this node already held. */
    PROMOTE,
    /** A demotion (graceful, immediate, offline, demote-cluster). */
    DEMOTE,
    /** The leader lock could not be renewed. */
    LOCK_LOST,
    /** A step of a manual switchover or failover (stepping down for it, clearing or waiting for it). */
    SWITCHOVER,
    /** Gave the leader lock up without a demotion. */
    RELEASE,
    /** pg_rewind from another member. */
    REWIND,
    /** Wipe and clone again. */
    REINITIALIZE,
    /** A new cluster (initdb or a custom method). */
    BOOTSTRAP,
    /** A new replica cloned from a member. */
    CLONE,
    /** Postgres restarted. */
    RESTART,
    /** Postgres started after it was found stopped. */
    START,
    /** A replica streams from another member (or from nobody, or the remote primary). */
    FOLLOW,
    /** Synchronous replication changed ({@code /sync}, synchronous_standby_names). */
    SYNC,
    /** Maintenance mode switched on. */
    PAUSE,
    /** Maintenance mode switched off. */
    RESUME,
    /** Failsafe mode kept this primary leading without the DCS. */
    FAILSAFE,
    /** The daemon stops itself (system ID mismatch, failed bootstrap, ...). */
    FATAL;

    /** Lower-case name, e.g. {@code leader_race_won}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
