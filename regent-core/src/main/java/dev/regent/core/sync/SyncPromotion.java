package dev.regent.core.sync;

import dev.regent.core.model.SyncState;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a replica that won the leader race writes before {@code pg_ctl promote}, so that it never acknowledges a
 * commit with fewer confirmations than the state it publishes demands (Patroni's
 * {@code process_sync_replication_prepromote}, made stricter: Patroni promotes with {@code synchronous_standby_names}
 * empty in {@code on} mode and with {@code /sync} still naming the old leader in quorum mode). A failed
 * {@code WriteSync} (compare-and-set) postpones the promotion: somebody else changed the state, possibly because this
 * node lost the lock.
 */
public final class SyncPromotion {
    private SyncPromotion() {}

    /**
     * {@code on} mode: {@code /sync} names only this node (no other member may be promoted until a standby is
     * confirmed), and {@code synchronous_standby_names = '*'}: any standby must confirm each commit until the next
     * cycle lists the chosen ones, so there is no window of unprotected commits. In non-strict mode the next cycle
     * removes the value when no standby streams, as Patroni does.
     */
    public static List<SyncStep> on(String me) {
        return List.of(new SyncStep.WriteSync(me, Set.of(), 0, "Enabled synchronous replication"),
                new SyncStep.SetStandbyNames(SyncStandbyNames.STAR,
                        "Assigning synchronous standby status to ['*'] before promotion"));
    }

    /**
     * Quorum mode. This node won with the votes of the old voters, so it holds every commit the old leader
     * acknowledged. The remaining old voters ({@code V - me}) are listed with {@code ANY k}, and {@code /sync} names
     * this node as leader with the old leader added to the voters, quorum {@code q' = max(q, 1)} and
     * {@code k = |V - me| + 1 - q'}, which keeps {@code |voters ∪ sync ∪ {me}| <= q' + k + 1}. {@code /sync} is written
     * first: from then on the old leader is an ordinary voter, and it cannot win a race as "the former leader nobody
     * is ahead of" with commits this node acknowledged missing. With no other voter left, only this node may be
     * promoted ({@code /sync} without voters) and commits wait for any standby in strict mode.
     */
    public static List<SyncStep> quorum(String me, SyncState sync, boolean strict) {
        Set<String> rest = sync == null ? Set.of() : Names.minus(sync.syncStandbys(), Set.of(me));
        String oldLeader = sync == null ? null : sync.leader();
        List<SyncStep> steps = new ArrayList<>();
        if (rest.isEmpty() || oldLeader == null || oldLeader.equalsIgnoreCase(me)) {
            steps.add(new SyncStep.WriteSync(me, Set.of(), 0, "Enabled synchronous replication"));
            steps.add(new SyncStep.SetStandbyNames(strict ? SyncStandbyNames.render(Set.of(), 1, true) : "",
                    "Setting synchronous replication to " + (strict ? "1 of 1 (*)" : "0 of 0 ()")));
            return steps;
        }
        int q = Math.min(Math.max(sync.quorum(), 1), rest.size());
        int k = rest.size() + 1 - q;
        Set<String> voters = Names.union(rest, Set.of(oldLeader));
        steps.add(new SyncStep.WriteSync(me, voters, q, "Setting leader to " + me + ", quorum to " + q + " of "
                + voters.size() + " (" + String.join(", ", voters) + ")"));
        steps.add(new SyncStep.SetStandbyNames(SyncStandbyNames.render(rest, k, true),
                "Setting synchronous replication to " + k + " of " + rest.size() + " (" + String.join(", ", rest)
                        + ")"));
        return steps;
    }
}
