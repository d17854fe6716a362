package dev.regent.sim;

import dev.regent.core.ha.Decision;
import dev.regent.core.ha.HaInput;
import dev.regent.core.ha.action.Action;
import dev.regent.core.sync.SyncStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Known bugs planted by decorating the real decider from the simulator (production code has no switch for them), so
 * that a test can prove the invariants catch them. Each one rewrites some decisions of the real
 * {@link dev.regent.core.ha.HaDecider} and passes every other decision through unchanged.
 */
public enum Mutant {
    /** None: the real decider. */
    NONE("none") {
        @Override
        Decision mutate(HaInput in, Decision d) {
            return d;
        }
    },
    /** A primary keeps writing after failing to renew its lock (or losing the DCS): it never demotes for that. */
    NO_DEMOTE_ON_LOCK_LOSS("no-demote-on-lock-loss") {
        @Override
        Decision mutate(HaInput in, Decision d) {
            boolean lockLossDemote = d.actions().stream().anyMatch(a -> a instanceof Action.Demote dm
                    && (dm.mode() == Action.Demote.Mode.IMMEDIATE_NOLOCK || dm.mode() == Action.Demote.Mode.OFFLINE));
            if (!in.postgres().isPrimary() || !lockLossDemote) return d;
            return new Decision(List.of(), "MUTANT no-demote-on-lock-loss: keeps running as primary (" + d.message()
                    + ")", d.memory());
        }
    },
    /** In an unlocked cluster every running replica takes the lock and promotes: no lag or healthiest-node check. */
    PROMOTE_LAGGING("promote-lagging") {
        @Override
        Decision mutate(HaInput in, Decision d) {
            if (in.cluster() == null || !in.cluster().isUnlocked() || !in.postgres().isReplica()
                    || in.cluster().isPaused() || in.backgroundTask() != null
                    || d.actions().stream().anyMatch(a -> a instanceof Action.AcquireLeaderLock)) {
                return d;
            }
            List<Action> actions = new ArrayList<>();
            actions.add(new Action.AcquireLeaderLock());
            if (in.cluster().failover() != null) {
                actions.add(new Action.ClearFailover(in.cluster().failover().version()));
            }
            actions.add(new Action.Promote());
            return new Decision(actions, "MUTANT promote-lagging: promoted self without checking lag (" + d.message()
                    + ")", d.memory());
        }
    },
    /**
     * A primary whose lock validity ran out (a refused or overdue renewal) keeps acting as leader, renewing, until a
     * later renewal succeeds; it does not demote meanwhile.
     */
    RENEW_AFTER_EXPIRY("renew-after-expiry") {
        @Override
        Decision mutate(HaInput in, Decision d) {
            boolean lapsed = in.memory() != null && in.memory().wasLeader()
                    && in.nowMillis() >= in.memory().lockValidUntil();
            if (in.cluster() == null || !lapsed || !in.postgres().isPrimary()) return d;
            return new Decision(List.of(new Action.UpdateLeaderLock()),
                    "MUTANT renew-after-expiry: still acting as leader (" + d.message() + ")", in.memory());
        }
    },

    /**
     * Breaks synchronous replication's ordering invariant (list in synchronous_standby_names first, publish in
     * {@code /sync} once confirmed): the leader publishes every other member in {@code /sync} whenever it writes the
     * key, and never lists any in synchronous_standby_names, so commits are acknowledged without a standby while
     * {@code /sync} vouches for standbys that may lag.
     */
    SYNC_PUBLISH_UNLISTED("sync-publish-unlisted") {
        @Override
        Decision mutate(HaInput in, Decision d) {
            if (in.cluster() == null) return d;
            boolean changed = false;
            List<Action> actions = new ArrayList<>();
            for (Action a : d.actions()) {
                if (a instanceof Action.ManageSync ms) {
                    List<SyncStep> steps = new ArrayList<>();
                    for (SyncStep step : ms.steps()) {
                        if (step instanceof SyncStep.SetStandbyNames) {
                            changed = true;
                            continue;
                        }
                        if (step instanceof SyncStep.WriteSync w) {
                            Set<String> all = new TreeSet<>();
                            in.cluster().members().forEach(m -> {
                                if (!m.name().equals(w.leader())) all.add(m.name());
                            });
                            changed = true;
                            var current = in.cluster().sync();
                            boolean same = current != null && w.leader().equals(current.leader())
                                    && all.equals(new TreeSet<>(current.syncStandbys()))
                                    && w.quorum() == current.quorum();
                            // written once: rewriting an equal key every cycle would wake the loop at once, forever
                            if (!same) steps.add(new SyncStep.WriteSync(w.leader(), all, w.quorum(), w.message()));
                        } else {
                            steps.add(step);
                        }
                    }
                    actions.add(new Action.ManageSync(steps));
                } else {
                    actions.add(a);
                }
            }
            if (!changed) return d;
            return new Decision(actions, "MUTANT sync-publish-unlisted: /sync lists every member, synchronous_standby_names none ("
                    + d.message() + ")", d.memory());
        }
    },
    /**
     * Patroni's behaviour: a bootstrap placeholder nobody completes ({@code initialize = ""}, no leader, nobody
     * bootstrapping) stays until an operator deletes it; every member waits for a leader to bootstrap.
     */
    KEEP_STALLED_INITIALIZE("keep-stalled-initialize") {
        @Override
        Decision mutate(HaInput in, Decision d) {
            if (d.actions().stream().noneMatch(a -> a instanceof Action.CancelStaleInitialize)) return d;
            List<Action> actions = new ArrayList<>(d.actions());
            actions.removeIf(a -> a instanceof Action.CancelStaleInitialize);
            return new Decision(actions, "MUTANT keep-stalled-initialize: waiting for leader to bootstrap",
                    d.memory());
        }
    };

    private final String cliName;

    Mutant(String cliName) {
        this.cliName = cliName;
    }

    /** The name used by {@code --mutant}. */
    public String cliName() {
        return cliName;
    }

    abstract Decision mutate(HaInput in, Decision d);

    /** {@code decider} with this mutant's bug planted. */
    public Function<HaInput, Decision> decorate(Function<HaInput, Decision> decider) {
        return this == NONE ? decider : in -> mutate(in, decider.apply(in));
    }

    /** The mutant named {@code name} on the command line. */
    public static Mutant byName(String name) {
        for (Mutant m : values()) if (m.cliName.equals(name.toLowerCase(Locale.ROOT))) return m;
        throw new IllegalArgumentException("unknown mutant '" + name + "' (known: no-demote-on-lock-loss,"
                + " promote-lagging, renew-after-expiry, sync-publish-unlisted, keep-stalled-initialize)");
    }
}
