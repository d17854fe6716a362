package dev.regent.daemon.loop;

import dev.regent.core.ha.PeerStatus;
import dev.regent.core.model.Member;
import java.util.List;
import java.util.Map;

/**
 * How the loop learns the other members' state (Patroni's fetch_nodes_statuses): production asks their REST APIs
 * ({@link PeerProber}); a simulator answers for its simulated peers.
 */
@FunctionalInterface
public interface PeerProbe {
    /** The state of every member except {@code self} that has an API URL; unreachable members are reported so. */
    Map<String, PeerStatus> probe(List<Member> members, String self);
}
