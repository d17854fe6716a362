package dev.regent.core.sync;

import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.Member;
import dev.regent.core.model.Tags;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Picks the synchronous standby candidates of a primary from its {@code pg_stat_replication} (Patroni's
 * {@code current_state}). Pure.
 *
 * <p>A walsender is a candidate when its application name is a member whose key says {@code running}, that is not
 * {@code nosync} (nor {@code sync_priority <= 0}), and that reports a position for the {@code synchronous_commit} in
 * force. Candidates are ordered: members without {@code nofailover} first, then higher {@code sync_priority}, then
 * synchronous before potential/quorum before async (so a sync standby that is slower than an async one keeps its
 * place), then higher position. With {@code maximum_lag_on_syncnode > 0} a candidate more than that behind the most
 * advanced candidate (the primary's flush position when there is only one) is skipped. {@code on} mode takes the first
 * {@code synchronous_node_count}; quorum mode takes every candidate, except that {@code nofailover} members only fill
 * up to {@code synchronous_node_count}.
 */
public final class SyncCandidates {
    private SyncCandidates() {}

    public static SyncObservation observe(SyncFacts facts, SyncReadiness readiness, List<Member> members,
                                          ClusterConfig config, String me) {
        SyncMode mode = SyncMode.of(config);
        int count = Math.max(1, config.intValue("synchronous_node_count", 1));
        long maxLag = config.longValue("maximum_lag_on_syncnode", -1);
        List<Row> rows = rows(facts, members, me);
        long maxLsn = rows.size() > 1 ? rows.stream().mapToLong(Row::lsn).max().orElse(0) : facts.flushLsn();
        Set<String> active = new LinkedHashSet<>();
        Set<String> confirmed = new LinkedHashSet<>();
        for (Row r : rows) {
            if (maxLag > 0 && maxLsn - r.lsn > maxLag) continue;
            if (mode == SyncMode.QUORUM) {
                if (r.noFailover && active.size() >= count) continue;
                active.add(r.name);
                if (readiness.isReady(r.name)) confirmed.add(r.name);
            } else {
                active.add(r.name);
                if ("sync".equals(r.syncState) && readiness.isReady(r.name)) confirmed.add(r.name);
                if (active.size() >= count) break;
            }
        }
        SyncStandbyNames.Parsed current = SyncReadiness.parseOrOff(facts.standbyNames());
        return new SyncObservation(current, active, confirmed);
    }

    private record Row(String name, String syncState, long lsn, int syncPriority, boolean noFailover) {}

    private static List<Row> rows(SyncFacts facts, List<Member> members, String me) {
        List<Row> rows = new ArrayList<>();
        for (WalSender w : facts.senders()) {
            Long lsn = w.lsnFor(facts.synchronousCommit());
            if (lsn == null || w.applicationName() == null) continue;
            Optional<Member> m = members.stream().filter(x -> x.name().equalsIgnoreCase(w.applicationName()))
                    .findFirst();
            if (m.isEmpty() || m.get().name().equals(me) || !m.get().isRunning() || m.get().noSync()) continue;
            rows.add(new Row(m.get().name(), w.syncState() == null ? "" : w.syncState(), lsn,
                    Tags.syncPriority(m.get().tags()), m.get().noFailover()));
        }
        rows.sort(Comparator.comparing(Row::noFailover)
                .thenComparing(Comparator.comparingInt(Row::syncPriority).reversed())
                .thenComparing(Comparator.comparing(Row::syncState).reversed())
                .thenComparing(Comparator.comparingLong(Row::lsn).reversed())
                .thenComparing(Row::name));
        return rows;
    }
}
