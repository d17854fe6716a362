package dev.regent.core.ledger;

/**
 * What the ledger remembers between cycles to tell a change from a repeat. Immutable; {@link #INITIAL} at start.
 *
 * @param lastLeader        the leader key's owner in the last cycle that read the DCS while the cluster was locked
 * @param lastLeaderSeenAt  wall-clock ms of that cycle (when the lock was last seen held), 0 unknown
 * @param lockedLastCycle   the last cycle that read the DCS saw a leader
 * @param raceLostRecorded  this unlocked spell already has a {@code leader_race_lost} entry (recorded once per spell)
 * @param followTarget      whom this node was last told to stream from ({@code ""} nobody, {@link Explanation#REMOTE}
 *                          the remote primary of a standby cluster), null unknown
 * @param paused            maintenance mode in the last cycle that read the DCS, null unknown
 * @param failsafe          the last cycle kept leading in failsafe mode
 */
public record LedgerState(String lastLeader, long lastLeaderSeenAt, boolean lockedLastCycle, boolean raceLostRecorded,
                          String followTarget, Boolean paused, boolean failsafe) {
    public static final LedgerState INITIAL = new LedgerState(null, 0, false, false, null, null, false);
}
