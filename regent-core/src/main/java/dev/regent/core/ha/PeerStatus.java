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
 */
public record PeerStatus(String name, boolean reachable, boolean primary, long walPosition, int timeline,
                         int failoverPriority, boolean running) {
    public static PeerStatus unreachable(String name) {
        return new PeerStatus(name, false, false, 0, 0, 0, false);
    }
}
