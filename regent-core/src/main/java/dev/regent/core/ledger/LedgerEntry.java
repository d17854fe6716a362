package dev.regent.core.ledger;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One HA decision that changed something, as the decision ledger keeps it. Immutable.
 *
 * @param timeMillis wall-clock time of the cycle (epoch ms)
 * @param cycle      the node's HA cycle number (continues across restarts from the last recorded entry)
 * @param member     the member that decided
 * @param kind       what changed ({@link DecisionKind#label()}), e.g. {@code leader_race_won}
 * @param summary    one plain sentence with the reasons, e.g.
 *                   {@code node1 won the leader race: node0's leader lock was gone (...); node2 lagged 18 MB > ...}
 * @param message    the decider's message (Patroni's log line of the cycle)
 * @param actions    the actions the decision asked for, in order
 * @param outcome    {@code ok}, or how the first action that did not proceed ended ({@code refused ...}, {@code failed ...})
 * @param reasons    the reasons of {@code summary}, one per element
 * @param inputs     the inputs that mattered (lock, WAL positions and timelines, lag limit, tags, sync state): a tree
 *                   of strings, numbers, booleans, lists and maps, ready for JSON
 */
public record LedgerEntry(long timeMillis, long cycle, String member, String kind, String summary, String message,
                          List<String> actions, String outcome, List<String> reasons, Map<String, Object> inputs) {
    public LedgerEntry {
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(kind, "kind");
        summary = summary == null ? "" : summary;
        message = message == null ? "" : message;
        outcome = outcome == null ? "ok" : outcome;
        actions = actions == null ? List.of() : List.copyOf(actions);
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
        inputs = inputs == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    }
}
