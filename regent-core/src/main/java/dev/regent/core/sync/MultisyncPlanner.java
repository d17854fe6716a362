package dev.regent.core.sync;

import dev.regent.core.model.SyncState;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code synchronous_mode: on} on the primary (Patroni's {@code _process_multisync_replication}): the writes that make
 * the picked candidates the synchronous standbys. Pure.
 *
 * <p>The invariant: a member is published in {@code /sync} only while it is listed in
 * {@code synchronous_standby_names} in the form where every listed standby confirms each commit, and known to hold
 * every acknowledged commit ({@link SyncObservation#confirmed()}). Hence the order: {@code /sync} first shrinks to
 * the members that stay confirmed, then {@code synchronous_standby_names} changes, and a member is added to
 * {@code /sync} only in a later step, once it is listed and confirmed. Patroni waits two seconds after the change to
 * publish at once; Regent publishes in the next cycle, which the shell runs about a second after a change.
 */
public final class MultisyncPlanner {
    private MultisyncPlanner() {}

    /** The steps and Patroni's warnings for this cycle. */
    public record Plan(List<SyncStep> steps, List<String> warnings) {
        public Plan {
            steps = List.copyOf(steps);
            warnings = List.copyOf(warnings);
        }
    }

    /** As {@link #plan(String, SyncState, SyncObservation, boolean, boolean)} without holding {@code *}. */
    public static Plan plan(String me, SyncState sync, SyncObservation obs, boolean strict) {
        return plan(me, sync, obs, strict, false);
    }

    /**
     * The steps of this cycle.
     *
     * @param strict    {@code synchronous_mode_strict}: with no candidate, commits wait for any standby ({@code *})
     * @param holdStar  just promoted (non-strict): keep the {@code *} set before the promotion while no candidate
     *                  streams yet, instead of letting commits through unconfirmed at once
     */
    public static Plan plan(String me, SyncState sync, SyncObservation obs, boolean strict, boolean holdStar) {
        List<SyncStep> steps = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Set<String> voters;
        if (sync == null || sync.leader() == null) {
            steps.add(new SyncStep.WriteSync(me, Set.of(), 0, "Enabled synchronous replication"));
            voters = Set.of();
        } else if (!sync.leader().equals(me)) {
            warnings.add("Inconsistent state of /sync key detected, leader = " + sync.leader() + " doesn't match "
                    + me + ", updating synchronous replication key");
            steps.add(new SyncStep.WriteSync(me, Set.of(), 0, "Reset synchronous replication key to " + me));
            voters = Set.of();
        } else {
            voters = Names.of(sync.syncStandbys());
        }
        Set<String> picked = obs.active();
        Set<String> confirmed = obs.confirmed();
        if (Names.same(picked, voters) && !Names.same(voters, confirmed)) {
            warnings.add("Inconsistent state between synchronous_standby_names = " + list(confirmed) + " and /sync = "
                    + list(voters) + " key detected, updating synchronous replication key...");
            voters = Names.intersect(voters, confirmed);
            steps.add(new SyncStep.WriteSync(me, voters, 0, "Synchronous standby status assigned to " + list(voters)));
        }
        SyncStandbyNames.Parsed current = obs.current();
        boolean star = picked.isEmpty() && (strict || holdStar && current.hasStar());
        // every cycle, also when '*' is already in force (Patroni warns each loop while writes wait for any standby)
        if (picked.isEmpty() && strict) warnings.add("No standbys available!");
        boolean allRequired = current.kind() != SyncStandbyNames.Kind.QUORUM && current.numsync() == picked.size();
        if (Names.same(picked, voters) && Names.same(voters, current.names()) && allRequired
                && current.hasStar() == star) {
            return new Plan(steps, warnings);
        }
        Set<String> common = Names.intersect(voters, confirmed);
        if (!Names.same(common, voters)) {
            steps.add(new SyncStep.WriteSync(me, common, 0, "Updating synchronous privilege temporarily from "
                    + list(voters) + " to " + list(common)));
            voters = common;
        }
        Set<String> target = picked;
        if (star) {
            target = Set.of(SyncStandbyNames.STAR);
        }
        String value = SyncStandbyNames.render(target, null, false);
        steps.add(new SyncStep.SetStandbyNames(value == null ? "" : value,
                "Assigning synchronous standby status to " + list(target)));
        // confirmed under the old value and still listed in the new one, where every listed standby must confirm
        Set<String> publish = Names.intersect(confirmed, picked);
        if (!publish.isEmpty() && !Names.same(publish, voters)) {
            steps.add(new SyncStep.WriteSync(me, publish, 0, "Synchronous standby status assigned to "
                    + list(publish)));
        }
        return new Plan(steps, warnings);
    }

    /** Python's list repr, as Patroni logs sets: {@code ['pg1', 'pg2']}. */
    static String list(Set<String> names) {
        List<String> quoted = new ArrayList<>();
        for (String n : names) quoted.add("'" + n + "'");
        return "[" + String.join(", ", quoted) + "]";
    }
}
