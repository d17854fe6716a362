package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import java.util.List;

/**
 * The result of one HA decision: actions the executor runs in order (stopping at the first failure), the
 * Patroni-style message that describes the cycle (e.g. {@code no action. I am (pg0), the leader with the lock}),
 * and the node memory to carry into the next cycle.
 */
public record Decision(List<Action> actions, String message, NodeMemory memory) {
    public Decision {
        actions = List.copyOf(actions);
    }
}
