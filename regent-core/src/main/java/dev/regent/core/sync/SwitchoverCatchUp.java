package dev.regent.core.sync;

/**
 * Quorum mode, leader side: whether a switchover candidate is caught up, Regent's rule on top of Patroni 4's (which
 * only asks that the candidate be a voter in {@code /sync}). A voter in {@code /sync} need not stream: the former
 * leader of a failover is published as a voter before it follows, and a voter that stalls stays published until the
 * leader's next change. Promoted by a switchover, such a voter lacks the commits the streaming voters acknowledged
 * (simulator, seed 4544: a stalled old primary; 5 nodes, seed 845: a stalled voter).
 *
 * <p>Caught up: listed in the {@code synchronous_standby_names} in force, streaming from this primary and reported
 * synchronous by it ({@code quorum} for {@code ANY k}, {@code sync} in the priority form) right now, and ready
 * ({@link SyncReadiness}: past the primary's flush position when that value took effect). A streaming standby then
 * receives everything up to the shutdown checkpoint of the graceful demotion; if it stalls meanwhile, the candidate's
 * own check at the race (its quorum of votes) stops it. Not an exact LSN comparison with the other voters: under
 * continuous writes a streaming quorum standby is often a few bytes behind the fastest one, which would refuse
 * nearly every switchover.
 */
public final class SwitchoverCatchUp {
    private static final String NOT_CONFIRMED = "has not confirmed the commits acknowledged so far";

    private SwitchoverCatchUp() {}

    /**
     * Why {@code candidate} is not caught up, as the end of the sentence "Member NAME ...", or null when it is.
     *
     * @param observed the primary's synchronous replication observations of this cycle; null when not observed
     */
    public static String problem(SyncObserved observed, String candidate) {
        if (observed == null || observed.facts() == null) {
            return "can not be checked: synchronous replication was not observed on this primary";
        }
        SyncFacts facts = observed.facts();
        SyncStandbyNames.Parsed ssn = SyncReadiness.parseOrOff(facts.standbyNames());
        if (!ssn.lists(candidate)) return "is not listed in synchronous_standby_names";
        String synchronous = ssn.kind() == SyncStandbyNames.Kind.QUORUM ? "quorum" : "sync";
        boolean streaming = facts.senders().stream().anyMatch(w -> candidate.equalsIgnoreCase(w.applicationName())
                && synchronous.equals(w.syncState()) && w.lsnFor(facts.synchronousCommit()) != null);
        if (!streaming) return "is not streaming as a synchronous standby";
        if (!observed.readiness().isReady(candidate)) return NOT_CONFIRMED;
        return null;
    }

    /**
     * The candidate streams as a synchronous standby of the value in force but could not have confirmed yet: that
     * value took effect in this very cycle ({@link SyncReadiness#changed()}), and readiness counts only positions past
     * the primary's flush position noted then, which the standby reports a moment later. A switchover asked for right
     * after the leader listed a standby (as after every failover and switchover) would otherwise be refused for what is
     * only the order of observations; the leader waits one cycle instead (CI, SyncReplicationEndToEndTest).
     */
    public static boolean confirmationPending(SyncObserved observed, String candidate) {
        return observed != null && observed.readiness() != null && observed.readiness().changed()
                && NOT_CONFIRMED.equals(problem(observed, candidate));
    }
}
