package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.ManageSync;
import dev.regent.core.model.SyncState;
import dev.regent.core.sync.MultisyncPlanner;
import dev.regent.core.sync.QuorumResolver;
import dev.regent.core.sync.QuorumState;
import dev.regent.core.sync.QuorumTransition;
import dev.regent.core.sync.SyncCandidates;
import dev.regent.core.sync.SyncMode;
import dev.regent.core.sync.SyncObservation;
import dev.regent.core.sync.SyncObserved;
import dev.regent.core.sync.SyncPromotion;
import dev.regent.core.sync.SyncStandbyNames;
import dev.regent.core.sync.SyncStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Synchronous replication on the lock holder (Patroni's {@code process_sync_replication} and
 * {@code process_sync_replication_prepromote}, §6.10): the writes of {@code /sync} and
 * {@code synchronous_standby_names} this cycle, as one {@link ManageSync} action placed after the lock renewal (or,
 * before a promotion, after the lock was taken and before {@code Promote}, so a failed compare-and-set postpones the
 * promotion). Ignored in a standby cluster, as Patroni does.
 */
final class SyncRule {
    private SyncRule() {}

    /** The node runs the primary under the lock: manage, or with sync mode off restore the user's value. */
    static List<Action> primary(Ctx c) {
        String invalid = SyncMode.invalid(c.config());
        if (invalid != null) c.warnings.add(invalid);
        SyncMode mode = mode(c);
        SyncState sync = c.cluster.sync();
        List<SyncStep> steps = new ArrayList<>();
        SyncObserved o = c.in.sync();
        if (!mode.enabled()) {
            if (sync != null) steps.add(new SyncStep.DeleteSync("Disabled synchronous replication"));
            if (sync != null || o != null && o.managed()) {
                steps.add(new SyncStep.SetStandbyNames(null, "synchronous_standby_names as configured"));
            }
            return steps.isEmpty() ? List.of() : List.of(new ManageSync(steps));
        }
        if (o == null || o.facts() == null) return List.of(); // not observed: change nothing
        SyncObservation obs = SyncCandidates.observe(o.facts(), o.readiness(), c.cluster.members(), c.config(), c.me);
        boolean strict = strict(c);
        if (mode == SyncMode.ON) {
            boolean holdStar = o.promotedWithin(c.config().ttl() * 1000L);
            MultisyncPlanner.Plan plan = MultisyncPlanner.plan(c.me, sync, obs, strict, holdStar);
            c.warnings.addAll(plan.warnings());
            steps.addAll(plan.steps());
        } else if (!o.promotedWithin(c.config().loopWait() * 1000L)) {
            steps.addAll(quorum(c, sync, obs, o, strict));
        }
        return steps.isEmpty() ? List.of() : List.of(new ManageSync(steps));
    }

    /** Before {@code pg_ctl promote}: what the new primary publishes and enforces first. */
    static List<Action> beforePromote(Ctx c) {
        SyncMode mode = mode(c);
        SyncState sync = c.cluster.sync();
        if (!mode.enabled()) {
            List<SyncStep> steps = new ArrayList<>();
            if (sync != null) steps.add(new SyncStep.DeleteSync("Disabled synchronous replication"));
            if (c.in.sync() != null && c.in.sync().managed()) {
                steps.add(new SyncStep.SetStandbyNames(null, "synchronous_standby_names as configured"));
            }
            return steps.isEmpty() ? List.of() : List.of(new ManageSync(steps));
        }
        return List.of(new ManageSync(mode == SyncMode.ON ? SyncPromotion.on(c.me)
                : SyncPromotion.quorum(c.me, sync, strict(c))));
    }

    /** Sync mode in force: the configured one, off in a standby cluster. */
    static SyncMode mode(Ctx c) {
        if (isStandbyCluster(c)) return SyncMode.OFF;
        return SyncMode.of(c.config());
    }

    /** Patroni's sync_mode_is_active: sync mode requested and {@code /sync} names a leader. */
    static boolean active(Ctx c) {
        return mode(c).enabled() && c.cluster.sync() != null && c.cluster.sync().leader() != null;
    }

    static boolean quorumActive(Ctx c) {
        return active(c) && mode(c) == SyncMode.QUORUM;
    }

    /** Patroni's {@code SyncState.matches(name, check_leader=True)}, case-insensitive. */
    static boolean matches(SyncState sync, String name) {
        if (sync == null || sync.leader() == null || name == null) return false;
        return sync.leader().equalsIgnoreCase(name)
                || sync.syncStandbys().stream().anyMatch(s -> s.equalsIgnoreCase(name));
    }

    private static List<SyncStep> quorum(Ctx c, SyncState sync, SyncObservation obs, SyncObserved o,
                                         boolean strict) {
        List<SyncStep> steps = new ArrayList<>();
        String leader = sync == null ? null : sync.leader();
        int quorum = sync == null ? 0 : sync.quorum();
        Set<String> voters = sync == null ? Set.of() : sync.syncStandbys();
        if (leader == null) {
            steps.add(new SyncStep.WriteSync(c.me, Set.of(), 0, "Enabled synchronous replication"));
            leader = c.me;
            quorum = 0;
            voters = Set.of();
        }
        int confirmed = (int) obs.active().stream().filter(o.readiness()::isReady).count();
        int wanted = Math.max(1, c.config().intValue("synchronous_node_count", 1));
        QuorumState state = new QuorumState(leader, quorum, voters, obs.current().numsync(),
                Set.copyOf(obs.current().names()), confirmed, obs.active(), wanted, c.me);
        QuorumResolver.Plan plan = QuorumResolver.resolve(state);
        c.warnings.addAll(plan.warnings());
        int minSync = strict ? 1 : 0;
        boolean setsNames = false;
        for (QuorumTransition t : plan.transitions()) {
            String names = String.join(", ", t.names());
            if (t.type() == QuorumTransition.Type.QUORUM) {
                steps.add(new SyncStep.WriteSync(t.leader(), t.names(), t.num(), "Setting leader to " + t.leader()
                        + ", quorum to " + t.num() + " of " + t.names().size() + " (" + names + ")"));
            } else if (t.type() == QuorumTransition.Type.SYNC) {
                int num = t.num();
                if (num < minSync) {
                    c.warnings.add("Replication factor " + (minSync + 1) + " requested, but " + num
                            + " synchronous standbys available. Commits will be delayed.");
                    num = minSync;
                }
                String value = SyncStandbyNames.render(t.names(), num, true);
                steps.add(new SyncStep.SetStandbyNames(value == null ? "" : value, "Setting synchronous replication to "
                        + t.num() + " of " + t.names().size() + " (" + names + ")"));
                setsNames = true;
            }
        }
        if (!setsNames) steps.addAll(strictWithoutStandby(obs.current(), strict));
        return steps;
    }

    /**
     * Quorum mode with no standby listed and nothing to change: Patroni writes {@code *} into postgresql.conf when
     * strict mode is on and it manages no name (its {@code get_server_parameters}), so turning strict mode on makes
     * commits of a lone leader wait ({@code ANY 1 (*)}), and turning it off lets them through again.
     */
    private static List<SyncStep> strictWithoutStandby(SyncStandbyNames.Parsed current, boolean strict) {
        if (current.numsync() != 0 || !current.names().isEmpty() || current.hasStar() == strict) return List.of();
        return List.of(new SyncStep.SetStandbyNames(strict ? SyncStandbyNames.render(Set.of(), 1, true) : "",
                "Setting synchronous replication to " + (strict ? "1 of 1 (*)" : "0 of 0 ()")));
    }

    private static boolean strict(Ctx c) {
        return c.config().boolValue("synchronous_mode_strict", false);
    }

    /** Patroni's is_standby_cluster: {@code standby_cluster} with host, port or restore_command. */
    private static boolean isStandbyCluster(Ctx c) {
        Object sc = c.config().data().get("standby_cluster");
        if (!(sc instanceof java.util.Map<?, ?> m)) return false;
        return m.get("host") != null || m.get("port") != null || m.get("restore_command") != null;
    }
}
