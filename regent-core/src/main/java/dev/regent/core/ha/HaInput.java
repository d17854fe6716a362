package dev.regent.core.ha;

import dev.regent.core.model.ClusterView;
import java.util.List;
import java.util.Map;

/**
 * Everything one HA decision depends on. Immutable; built by the loop from fresh observations.
 *
 * @param cluster        the DCS snapshot, or null when the DCS could not be read in this cycle
 * @param postgres       local PostgreSQL observation
 * @param settings       effective configuration
 * @param memory         what this node remembered from earlier cycles
 * @param peers          answers of other members' REST APIs, keyed by member name; an absent member counts as
 *                       unreachable. Must be filled when the cluster is unlocked, a failover key exists, or this node
 *                       holds the lock while its postgres is not a running primary (see {@link HaDecider})
 * @param backgroundTask name of the long action still running in the background slot ("bootstrap",
 *                       "creating replica", "rewind", "restart", ...), or null when the slot is free
 * @param commands       operator commands queued by the REST API since the last cycle
 * @param nowMillis      monotonic time of this cycle
 * @param wallClockMillis wall-clock time (epoch ms), for scheduled switchovers/restarts
 * @param scheduledRestart the restart scheduled on this node ({@code POST /restart} with {@code schedule}), or null
 * @param sync           what the primary observed for synchronous replication this cycle, or null (not a running
 *                       primary, or not observed)
 * @param failsafe       failsafe mode facts: the last known {@code /failsafe}, the answers to this cycle's
 *                       {@code POST /failsafe} (exactly for {@link FailsafeRule#membersToAsk}), the primary whose
 *                       request this node accepted last; never null ({@link FailsafeFacts#NONE})
 * @param watchdogUsable Patroni's watchdog.is_healthy: true unless {@code watchdog.mode} is required and the device
 *                       is missing, unwritable, could not be activated, or its timeout cannot be safe
 */
public record HaInput(ClusterView cluster, LocalPostgres postgres, HaSettings settings, NodeMemory memory,
                      Map<String, PeerStatus> peers, String backgroundTask, List<Command> commands,
                      long nowMillis, long wallClockMillis, ScheduledRestart scheduledRestart,
                      dev.regent.core.sync.SyncObserved sync, FailsafeFacts failsafe, boolean watchdogUsable) {
    public HaInput {
        failsafe = failsafe == null ? FailsafeFacts.NONE : failsafe;
        peers = peers == null ? Map.of() : Map.copyOf(peers);
        commands = commands == null ? List.of() : List.copyOf(commands);
    }

    /** An input whose watchdog (if any) is usable. */
    public HaInput(ClusterView cluster, LocalPostgres postgres, HaSettings settings, NodeMemory memory,
                   Map<String, PeerStatus> peers, String backgroundTask, List<Command> commands,
                   long nowMillis, long wallClockMillis, ScheduledRestart scheduledRestart,
                   dev.regent.core.sync.SyncObserved sync, FailsafeFacts failsafe) {
        this(cluster, postgres, settings, memory, peers, backgroundTask, commands, nowMillis, wallClockMillis,
                scheduledRestart, sync, failsafe, true);
    }

    /** An input without failsafe facts. */
    public HaInput(ClusterView cluster, LocalPostgres postgres, HaSettings settings, NodeMemory memory,
                   Map<String, PeerStatus> peers, String backgroundTask, List<Command> commands,
                   long nowMillis, long wallClockMillis, ScheduledRestart scheduledRestart,
                   dev.regent.core.sync.SyncObserved sync) {
        this(cluster, postgres, settings, memory, peers, backgroundTask, commands, nowMillis, wallClockMillis,
                scheduledRestart, sync, null);
    }

    /** An input without synchronous replication observations. */
    public HaInput(ClusterView cluster, LocalPostgres postgres, HaSettings settings, NodeMemory memory,
                   Map<String, PeerStatus> peers, String backgroundTask, List<Command> commands,
                   long nowMillis, long wallClockMillis, ScheduledRestart scheduledRestart) {
        this(cluster, postgres, settings, memory, peers, backgroundTask, commands, nowMillis, wallClockMillis,
                scheduledRestart, null, null);
    }

    /** An input without a scheduled restart. */
    public HaInput(ClusterView cluster, LocalPostgres postgres, HaSettings settings, NodeMemory memory,
                   Map<String, PeerStatus> peers, String backgroundTask, List<Command> commands,
                   long nowMillis, long wallClockMillis) {
        this(cluster, postgres, settings, memory, peers, backgroundTask, commands, nowMillis, wallClockMillis, null,
                null, null);
    }

    public boolean dcsAvailable() { return cluster != null; }
}
