package dev.regent.core.ha;

/**
 * What one node remembers between HA cycles. Owned by the loop thread; the decider receives it as input and returns
 * an updated copy in its {@link Decision}. All times are monotonic milliseconds from the same source as
 * {@link HaInput#nowMillis()}. Which field is written by the decider and which by the shell is specified in
 * {@link HaDecider} ("Memory contract").
 *
 * @param lockValidUntil        until when this node may consider itself the leader: last successful lock
 *                              write + ttl; 0 when it does not hold the lock
 * @param startingAsPrimarySince when postgres was (re)started as primary while holding the lock, for
 *                              primary_start_timeout; 0 when not applicable
 * @param wasLeader             this node held (and last renewed or acquired) the lock; with {@code lockValidUntil}
 *                              it detects a refused or overdue renewal
 * @param rewindOrReinitNeeded  the local data diverged from the leader and must be rewound/re-cloned before following
 * @param preferNoRaceUntil     after a failed pre_promote, do not race until this time (0 = no backoff)
 * @param bootstrapFailed       a bootstrap attempt of this process failed: the node exits (Patroni 4 raises
 *                              PatroniFatalException "Failed to bootstrap cluster")
 * @param checkDivergedLsn      the data directory was seen stopped after being a primary: compare its WAL with the
 *                              new leader's fork point once that is known (Patroni's
 *                              {@code trigger_check_diverged_lsn}); set and cleared by {@link DivergenceRule}, and
 *                              for a standby leader set by a demote-cluster ({@link MemoryContract}) and cleared by
 *                              {@link RemotePrimaryDivergence}
 * @param startAttached         {@code startingAsPrimarySince} marks when this node attached to a postgres it did not
 *                              start, not a start of its own: Patroni applies primary_start_timeout only to its own
 *                              starts, so such a postgres gets at least ttl before the node gives the lock up
 * @param candidateBehindSince  a quorum switchover without leader: when this node, not the named candidate, first
 *                              saw the candidate's WAL behind its own (0: it does not); the node takes over in its
 *                              place only once that lasted a loop_wait ({@code HealthCheck.manualFailoverNoLeader})
 * @param stalledInitialize     the {@code initialize} placeholder ({@code ""}) this node has seen without a leader
 *                              and without any member reporting a bootstrap, and since when (null: none); see
 *                              {@link StalledInitialize}
 * @param ownPromotion          the timeline this node's own last promotion created, while the data directory may still
 *                              hold it (0: none, or forgotten): only the node that promoted can tell its timeline from
 *                              another member's of the same number and switch point
 *                              ({@link DivergenceRule#anotherMembersPromotion}). Set from a promotion's outcome
 *                              ({@link MemoryContract#after}), forgotten once an observation shows a data
 *                              directory that no longer holds it ({@link MemoryContract#observed}). Lives as long as the process: a
 *                              restarted daemon forgets it, and then behaves as Patroni does
 */
public record NodeMemory(long lockValidUntil, long startingAsPrimarySince, boolean wasLeader,
                         boolean rewindOrReinitNeeded, long preferNoRaceUntil, boolean bootstrapFailed,
                         boolean checkDivergedLsn, boolean startAttached, long candidateBehindSince,
                         StalledInitialize stalledInitialize, int ownPromotion) {
    public static final NodeMemory INITIAL = new NodeMemory(0, 0, false, false, 0, false, false, false, 0, null, 0);

    /**
     * A bootstrap placeholder seen stalled: {@code initialize} had mod revision {@code version} from monotonic
     * {@code sinceMillis} on, with no leader and no member reporting a bootstrap in progress.
     */
    public record StalledInitialize(long version, long sinceMillis) {}

    /** A memory without an own promotion. */
    public NodeMemory(long lockValidUntil, long startingAsPrimarySince, boolean wasLeader,
                      boolean rewindOrReinitNeeded, long preferNoRaceUntil, boolean bootstrapFailed,
                      boolean checkDivergedLsn, boolean startAttached, long candidateBehindSince,
                      StalledInitialize stalledInitialize) {
        this(lockValidUntil, startingAsPrimarySince, wasLeader, rewindOrReinitNeeded, preferNoRaceUntil,
                bootstrapFailed, checkDivergedLsn, startAttached, candidateBehindSince, stalledInitialize, 0);
    }

    /** A memory without a stalled bootstrap placeholder. */
    public NodeMemory(long lockValidUntil, long startingAsPrimarySince, boolean wasLeader,
                      boolean rewindOrReinitNeeded, long preferNoRaceUntil, boolean bootstrapFailed,
                      boolean checkDivergedLsn, boolean startAttached, long candidateBehindSince, int ownPromotion) {
        this(lockValidUntil, startingAsPrimarySince, wasLeader, rewindOrReinitNeeded, preferNoRaceUntil,
                bootstrapFailed, checkDivergedLsn, startAttached, candidateBehindSince, null, ownPromotion);
    }

    /** A memory without a stalled bootstrap placeholder and without an own promotion. */
    public NodeMemory(long lockValidUntil, long startingAsPrimarySince, boolean wasLeader,
                      boolean rewindOrReinitNeeded, long preferNoRaceUntil, boolean bootstrapFailed,
                      boolean checkDivergedLsn, boolean startAttached, long candidateBehindSince) {
        this(lockValidUntil, startingAsPrimarySince, wasLeader, rewindOrReinitNeeded, preferNoRaceUntil,
                bootstrapFailed, checkDivergedLsn, startAttached, candidateBehindSince, null, 0);
    }

    /** A memory without a candidate seen behind. */
    public NodeMemory(long lockValidUntil, long startingAsPrimarySince, boolean wasLeader,
                      boolean rewindOrReinitNeeded, long preferNoRaceUntil, boolean bootstrapFailed,
                      boolean checkDivergedLsn, boolean startAttached) {
        this(lockValidUntil, startingAsPrimarySince, wasLeader, rewindOrReinitNeeded, preferNoRaceUntil,
                bootstrapFailed, checkDivergedLsn, startAttached, 0);
    }

    /** When this node first saw a quorum switchover's candidate behind it; 0 clears it. */
    public NodeMemory withCandidateBehindSince(long t) {
        return new NodeMemory(lockValidUntil, startingAsPrimarySince, wasLeader, rewindOrReinitNeeded,
                preferNoRaceUntil, bootstrapFailed, checkDivergedLsn, startAttached, t, stalledInitialize,
                ownPromotion);
    }

    public NodeMemory withLockValidUntil(long t) {
        return new NodeMemory(t, startingAsPrimarySince, wasLeader, rewindOrReinitNeeded, preferNoRaceUntil,
                bootstrapFailed, checkDivergedLsn, startAttached, candidateBehindSince, stalledInitialize,
                ownPromotion);
    }

    public NodeMemory withWasLeader(boolean b) {
        return new NodeMemory(lockValidUntil, startingAsPrimarySince, b, rewindOrReinitNeeded, preferNoRaceUntil,
                bootstrapFailed, checkDivergedLsn, startAttached, candidateBehindSince, stalledInitialize,
                ownPromotion);
    }

    /** Postgres started (or restarted) as primary by this node's own decision at {@code t}; 0 clears it. */
    public NodeMemory withStartingAsPrimarySince(long t) {
        return new NodeMemory(lockValidUntil, t, wasLeader, rewindOrReinitNeeded, preferNoRaceUntil, bootstrapFailed,
                checkDivergedLsn, false, candidateBehindSince, stalledInitialize, ownPromotion);
    }

    public NodeMemory withRewindOrReinitNeeded(boolean b) {
        return new NodeMemory(lockValidUntil, startingAsPrimarySince, wasLeader, b, preferNoRaceUntil,
                bootstrapFailed, checkDivergedLsn, startAttached, candidateBehindSince, stalledInitialize,
                ownPromotion);
    }

    public NodeMemory withPreferNoRaceUntil(long t) {
        return new NodeMemory(lockValidUntil, startingAsPrimarySince, wasLeader, rewindOrReinitNeeded, t,
                bootstrapFailed, checkDivergedLsn, startAttached, candidateBehindSince, stalledInitialize,
                ownPromotion);
    }

    public NodeMemory withBootstrapFailed(boolean b) {
        return new NodeMemory(lockValidUntil, startingAsPrimarySince, wasLeader, rewindOrReinitNeeded,
                preferNoRaceUntil, b, checkDivergedLsn, startAttached, candidateBehindSince, stalledInitialize,
                ownPromotion);
    }

    public NodeMemory withCheckDivergedLsn(boolean b) {
        return new NodeMemory(lockValidUntil, startingAsPrimarySince, wasLeader, rewindOrReinitNeeded,
                preferNoRaceUntil, bootstrapFailed, b, startAttached, candidateBehindSince, stalledInitialize,
                ownPromotion);
    }

    /** The stalled bootstrap placeholder this decision saw (null: none). */
    public NodeMemory withStalledInitialize(StalledInitialize s) {
        return new NodeMemory(lockValidUntil, startingAsPrimarySince, wasLeader, rewindOrReinitNeeded,
                preferNoRaceUntil, bootstrapFailed, checkDivergedLsn, startAttached, candidateBehindSince, s,
                ownPromotion);
    }

    /**
     * This node first saw its lock-holding postgres not accepting connections at {@code t} without having started it
     * itself (the daemon restarted beside a starting postgres, or a status query failed on a live postmaster).
     */
    public NodeMemory withAttachedStartSince(long t) {
        return new NodeMemory(lockValidUntil, t, wasLeader, rewindOrReinitNeeded, preferNoRaceUntil, bootstrapFailed,
                checkDivergedLsn, true, candidateBehindSince, stalledInitialize, ownPromotion);
    }

    /** The timeline this node's own promotion created ({@link #ownPromotion()}); 0 forgets it. */
    public NodeMemory withOwnPromotion(int timeline) {
        return new NodeMemory(lockValidUntil, startingAsPrimarySince, wasLeader, rewindOrReinitNeeded,
                preferNoRaceUntil, bootstrapFailed, checkDivergedLsn, startAttached, candidateBehindSince,
                stalledInitialize, timeline);
    }
}
