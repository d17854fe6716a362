package dev.regent.sim;

import dev.regent.core.ha.HaInput;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated machine: its PostgreSQL, its daemon (absent while killed), and the fault state that concerns it.
 * Plain mutable state owned by {@link SimCluster}; single-threaded like everything in the simulator.
 */
final class Node {
    final int index;
    final String name;
    final SimPostgres pg;
    /** The running daemon, null while the node is killed. */
    Daemon daemon;
    /** Grows at every kill: background tasks and cycles of a former daemon are dropped when they come due. */
    int incarnation;
    boolean frozen;
    /** Background tasks that came due while the daemon was frozen (they run on SIGCONT). */
    final List<Runnable> deferred = new ArrayList<>();
    /** Next cycle event, and its time (Long.MAX_VALUE when none). */
    Scheduler.Handle nextCycle;
    long nextCycleAt = Long.MAX_VALUE;
    /** Until when the current cycle's blocking calls keep the loop thread busy. */
    long busyUntil;
    /** Blocking time charged to the loop thread during the current cycle. */
    long busy;
    /** Set while a background task of this node runs (its calls do not block the loop). */
    boolean inBackground;
    /** Fault counters (faults may overlap). */
    int dcsCut;
    int restLoss;
    int stalls;
    int slow;
    long slowExtra;
    long restDelay;
    int delays;
    /** The watcher's last fingerprint of the cluster (a change wakes the loop). */
    String fingerprint;
    /** Set by a FatalExit during the current cycle. */
    String exitReason;
    /** The decider's last input and message (trace and invariant 3). */
    HaInput lastInput;
    String lastMessage;
    /** The last decision that promoted was made on a failover key (switchover/failover): not automatic. */
    boolean promoteIsManual;
    /** That decision was an operator's failover to a member outside {@code /sync} (exempt from invariant 2). */
    boolean promoteForcedOutsideSync;
    /** When postgres last started to accept writes (invariant 1's margin also runs from there). */
    long writerSince = -1;
    /** Last instant the leader key named this node; -1 never. */
    long lastHeldLock = -1;
    /** An exempt window (frozen daemon or pause) is open. */
    boolean exemptWindowOpen;

    Node(int index) {
        this.index = index;
        this.name = "n" + index;
        this.pg = new SimPostgres(name);
    }

    boolean daemonUp() {
        return daemon != null && !frozen;
    }
}
