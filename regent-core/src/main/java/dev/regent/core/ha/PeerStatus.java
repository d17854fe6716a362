package dev.regent.core.ha;

/**
 * Another member's answer to {@code GET /patroni}, fetched by the shell for the leader race and for failover
 * feasibility checks. {@code reachable == false} means the request failed or timed out (2 s).
 *
 * @param name             member name
 * @param reachable        the member answered
 * @param primary          it reports role primary/master or a non-empty {@code xlog.location} (Patroni's "primary alive")
 * @param walPosition      its WAL position (primary location, or max(received, replayed))
 * @param timeline         its timeline, 0 unknown
 * @param failoverPriority effective failover priority from its tags (0 = nofailover)
 * @param running          its postgres state is running
 * @param noFailover       it may not be promoted (Patroni's Tags.nofailover: an explicit {@code nofailover} tag wins
 *                         over {@code failover_priority}, so {@code nofailover: false} with priority 0 may promote)
 * @param watchdogFailed   it reports {@code watchdog_failed} (its required watchdog is not usable: it will not lead)
 */
public record PeerStatus(String name, boolean reachable, boolean primary, long walPosition, int timeline,
                         int failoverPriority, boolean running, boolean noFailover, boolean watchdogFailed) {
    /** A status without a failed watchdog. */
    public PeerStatus(String name, boolean reachable, boolean primary, long walPosition, int timeline,
                      int failoverPriority, boolean running, boolean noFailover) {
        this(name, reachable, primary, walPosition, timeline, failoverPriority, running, noFailover, false);
    }

    /** A status whose promotability follows its priority alone (no explicit {@code nofailover} tag). */
    public PeerStatus(String name, boolean reachable, boolean primary, long walPosition, int timeline,
                      int failoverPriority, boolean running) {
        this(name, reachable, primary, walPosition, timeline, failoverPriority, running, failoverPriority <= 0);
    }

    public static PeerStatus unreachable(String name) {
        return new PeerStatus(name, false, false, 0, 0, 0, false);
    }
}
