package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import java.util.List;

/**
 * The result of one HA decision: actions the executor runs in order (stopping at the first failure), the
 * Patroni-style message that describes the cycle (e.g. {@code no action. I am (pg0), the leader with the lock}),
 * the node memory to carry into the next cycle, and {@code warnings}: the extra lines Patroni logs during such a
 * cycle besides its result (e.g. {@code switchover: no healthy members found, switchover is not possible}), which
 * the shell logs at WARNING before the message, and {@code infos}: the reasons Patroni logs at INFO while deciding
 * (e.g. why this node stands back in the leader race: {@code Wal position of pg2 is ahead of my wal position}),
 * which the shell logs at INFO, in order, before the warnings. Immutable.
 */
public record Decision(List<Action> actions, String message, NodeMemory memory, List<String> warnings,
                       List<String> infos) {
    public Decision {
        actions = List.copyOf(actions);
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
        infos = infos == null ? List.of() : List.copyOf(infos);
    }

    /** A decision without INFO reasons. */
    public Decision(List<Action> actions, String message, NodeMemory memory, List<String> warnings) {
        this(actions, message, memory, warnings, List.of());
    }

    /** A decision without warnings. */
    public Decision(List<Action> actions, String message, NodeMemory memory) {
        this(actions, message, memory, List.of());
    }
}
