package dev.regent.daemon.loop;

import dev.regent.core.ha.HaSettings;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.NodeMemory;
import dev.regent.core.model.ClusterView;

/**
 * What one HA cycle saw and decided, published (immutable) for the REST API and metrics.
 *
 * @param cluster          the DCS snapshot, or null when the DCS was unreachable
 * @param lastCluster      the last snapshot successfully read (may be older than this cycle)
 * @param local            local PostgreSQL observation after the cycle's actions
 * @param memory           node memory after the cycle (lockValidUntil tells until when we are leader)
 * @param settings         effective settings used
 * @param message          the decision message
 * @param backgroundTask   long action in progress, or null
 * @param dcsLastSeenEpochSeconds last successful DCS read (epoch seconds), 0 never
 * @param nextCycleAtMillis monotonic time of the next scheduled cycle
 * @param monotonicNowMillis monotonic time of this report
 */
public record CycleReport(ClusterView cluster, ClusterView lastCluster, LocalPostgres local, NodeMemory memory,
                          HaSettings settings, String message, String backgroundTask, long dcsLastSeenEpochSeconds,
                          long nextCycleAtMillis, long monotonicNowMillis) {}
