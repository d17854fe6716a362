package dev.regent.sim;

import dev.regent.core.ha.NodeMemory;
import dev.regent.core.model.ClusterView;

/** What the simulator drives on a node: the real shell (one HA cycle at a time) and what it asks of it. */
interface Daemon {
    /** Runs one HA cycle now; returns how long the loop would sleep before the next one (ms). */
    long cycle();

    /** The node memory (lockValidUntil, wasLeader...). */
    NodeMemory memory();

    /** The long action in the background slot, or null. */
    String backgroundTask();

    /** The watcher's wake rule: a change of this fingerprint wakes the loop. */
    String fingerprint(ClusterView cluster);

    /** The daemon's failsafe-mode state (a primary's POST /failsafe is accepted into it). */
    dev.regent.daemon.loop.FailsafeState failsafe();

    /** The last cluster snapshot this daemon read successfully, or null. */
    ClusterView lastCluster();

    /** The node's DCS client (operator requests sent to this node's REST API write through it). */
    dev.regent.dcs.Dcs dcs();
}
