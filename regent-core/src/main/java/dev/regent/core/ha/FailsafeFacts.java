package dev.regent.core.ha;

import dev.regent.core.model.ClusterView;
import java.util.Map;

/**
 * What the shell knows about failsafe mode this cycle (Patroni's {@code dcs.failsafe} and {@code Failsafe} state).
 *
 * @param topology the last {@code /failsafe} value read from or written to the DCS ({@code {member: api_url}}), null
 *                 when unknown or not a JSON object; kept while the DCS is unreachable
 * @param answers  the answers to this cycle's {@code POST /failsafe}, keyed by member; filled exactly for the members
 *                 {@link FailsafeRule#membersToAsk} named (an absent one counts as not answered)
 * @param accepted the primary whose {@code POST /failsafe} this node accepted last, or null
 * @param lastCluster the last snapshot read from the DCS, or null (never read): while the DCS is unreachable it is
 *                 what a replica in failsafe mode syncs its slots against (Patroni keeps {@code self.cluster} from its
 *                 last successful read)
 */
public record FailsafeFacts(Map<String, String> topology, Map<String, FailsafeAnswer> answers,
                            FailsafeLeader accepted, ClusterView lastCluster) {
    public static final FailsafeFacts NONE = new FailsafeFacts(null, Map.of(), null, null);

    /** Facts without a last known snapshot. */
    public FailsafeFacts(Map<String, String> topology, Map<String, FailsafeAnswer> answers, FailsafeLeader accepted) {
        this(topology, answers, accepted, null);
    }

    public FailsafeFacts {
        topology = topology == null ? null : Map.copyOf(topology);
        answers = answers == null ? Map.of() : Map.copyOf(answers);
    }
}
