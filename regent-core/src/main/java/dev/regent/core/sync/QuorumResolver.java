package dev.regent.core.sync;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Quorum commit (Patroni 4's {@code synchronous_mode: quorum}): the ordered writes of
 * {@code synchronous_standby_names} ({@code ANY numsync (sync)}) and of {@code /sync} ({@code quorum} of
 * {@code voters}) that take a primary from the state it observes to the optimal one, where
 * {@code sync = voters = active}, {@code numsync = min(synchronous_node_count, |active|)} and
 * {@code quorum = |active| - numsync}. Pure; the same transitions Patroni's {@code QuorumStateResolver} yields, so a
 * mixed cluster and Patroni's acceptance expectations see the same key values.
 *
 * <h2>Why each step is safe alone</h2>
 * A commit is acknowledged by the primary and {@code numsync} of {@code sync}; a replica is promoted only after
 * {@code quorum} voters besides itself found it not behind them. Both are "any n of a set", so they are guaranteed to
 * meet when {@code |voters ∪ sync ∪ {leader}| <= quorum + numsync + 1} and one set contains the other. Every step is
 * checked against that invariant before it is returned; the order keeps it: a value that makes commits or promotions
 * harder (more confirmations, a higher quorum) is written before the one that makes the other easier, and a standby
 * not yet known to hold old commits ({@code confirmed} below {@code numsync}) raises the quorum by the difference.
 * The primary may crash after any step: the tests replay every prefix and check that no promotion then allowed can
 * miss an acknowledged commit.
 *
 * <p>{@code RESTART} asks the caller to stop and run again on fresh observations (nothing to change yet, e.g.
 * standbys that just started streaming are not synchronous yet). Consecutive writes to the same place are merged into
 * the last one: skipping an intermediate value is the same as nobody having observed it.
 */
public final class QuorumResolver {
    private QuorumResolver() {}

    /** The broken invariant, found in an observed state or (a bug) in a planned step. */
    public static final class QuorumError extends RuntimeException {
        QuorumError(String message) {
            super(message);
        }
    }

    /** The result: transitions to apply in order, and warnings to log (an inconsistent observed state). */
    public record Plan(List<QuorumTransition> transitions, List<String> warnings) {
        public Plan {
            transitions = List.copyOf(transitions);
            warnings = List.copyOf(warnings);
        }
    }

    /** Plans the transitions from {@code state}. Throws {@link QuorumError} only on an internal inconsistency. */
    public static Plan resolve(QuorumState state) {
        Walk w = new Walk(state);
        w.run();
        List<QuorumTransition> merged = new ArrayList<>();
        List<QuorumTransition> raw = w.out;
        for (int i = 0; i < raw.size(); i++) {
            QuorumTransition t = raw.get(i);
            boolean supersededByNext = i + 1 < raw.size() && raw.get(i + 1).type() == t.type();
            if (supersededByNext) continue;
            merged.add(t);
            if (t.type() == QuorumTransition.Type.RESTART) break;
        }
        return new Plan(merged, w.warnings);
    }

    /** One resolution: the working copy of the state, advanced by every planned step. */
    private static final class Walk {
        String leader;
        int quorum;
        Set<String> voters;
        int numsync;
        Set<String> sync;
        int confirmed;
        final Set<String> active;
        final int wanted;
        final String leaderWanted;
        final List<QuorumTransition> out = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        /** This run already planned a new synchronous_standby_names; the /sync state at that moment. */
        boolean marked;
        int quorumAtMark;
        Set<String> votersAtMark = Set.of();

        Walk(QuorumState s) {
            leader = s.leader();
            quorum = s.quorum();
            voters = s.voters();
            numsync = s.numsync();
            sync = s.sync();
            confirmed = s.confirmed();
            active = s.active();
            wanted = s.wanted();
            leaderWanted = s.leaderWanted();
        }

        void run() {
            try {
                if (!leaderWanted.equals(leader)) {
                    if (takeOver()) return;
                } else {
                    checkInvariants();
                }
            } catch (QuorumError e) {
                warnings.add(e.getMessage());
                quorumUpdate(sync.size() - numsync, sync, null, true);
            }
            if (!leaderWanted.equals(leader)) throw new QuorumError("leader " + leader + " is not " + leaderWanted);
            // Patroni derives confirmations from the quorum when it counts none (after a restart or failover). Regent
            // does not: its shell confirms standbys again within a cycle of starting, and the guess can count a
            // standby that lacks commits others confirmed (found by the crash test), so the quorum stays raised until
            // the standbys are confirmed for real.
            try {
                finishInterruptedChange();
                removeGoneStandbys();
                addNewStandbys();
                applyReplicationFactor();
            } catch (QuorumError e) {
                // Every step planned so far keeps the invariant (each was checked); the next run goes on from there.
                warnings.add(e.getMessage());
            }
        }

        /**
         * A failover: this node leads now, the old leader becomes a voter (it may come back with every commit). Returns
         * true when no listed standby streams yet (right after the promotion): wait for them before evicting anyone.
         */
        private boolean takeOver() {
            Set<String> v = Names.union(Names.minus(voters, Set.of(leaderWanted)), Set.of(leader));
            if (sync.isEmpty()) syncUpdate(v.size() - quorum, v);
            quorumUpdate(quorum, v, leaderWanted, true);
            return Names.intersect(sync, active).isEmpty();
        }

        /** The previous run stopped between its two writes: one set is a strict subset of the other. */
        private void finishInterruptedChange() {
            if (strictSubset(sync, voters)) {
                // voters were being changed: drop dead voters that are not listed, then list live voters
                Set<String> dead = Names.minus(voters, Names.union(sync, active));
                if (!dead.isEmpty()) {
                    quorumUpdate(voters.size() - dead.size() - numsync, Names.minus(voters, dead), null,
                            Names.minus(sync, active).isEmpty());
                }
                Set<String> toList = Names.minus(Names.intersect(voters, active), sync);
                if (!toList.isEmpty()) syncUpdate(numsync, Names.union(sync, toList));
            } else if (strictSubset(voters, sync)) {
                // the replication factor was being changed
                Set<String> gone = Names.minus(sync, active);
                Set<String> kept = Names.minus(sync, gone);
                if (!gone.isEmpty() && !kept.isEmpty() && (voters.isEmpty() || !Names.intersect(kept, voters).isEmpty())) {
                    syncUpdate(Math.min(numsync, sync.size() - gone.size()), kept);
                }
                Set<String> toVote = Names.intersect(Names.minus(sync, voters), active);
                if (!toVote.isEmpty()) {
                    Set<String> v = Names.union(voters, toVote);
                    quorumUpdate(v.size() - numsync, v, null, true);
                }
                Set<String> unlisted = Names.minus(sync, voters);
                if (!unlisted.isEmpty()) {
                    syncUpdate(Math.min(numsync, sync.size() - unlisted.size()), Names.minus(sync, unlisted));
                }
            }
            if (!Names.same(voters, sync)) throw new QuorumError("voters " + voters + " differ from sync " + sync);
            int margin = quorum + Math.min(numsync, confirmed) - Names.union(voters, sync).size();
            if (margin > 0) {
                // more than needed on one side: a factor or quorum change was interrupted
                if (numsync > wanted) {
                    syncUpdate(Math.max(wanted, voters.size() - quorum), sync);
                } else {
                    quorumUpdate(sync.size() - numsync, voters, null, true);
                }
            } else {
                margin = quorum + numsync - Names.union(voters, sync).size();
                if (numsync == wanted && margin > 0 && numsync > confirmed) {
                    quorumUpdate(sync.size() - numsync, voters, null, true);
                }
            }
        }

        private void removeGoneStandbys() {
            Set<String> gone = Names.minus(sync, active);
            if (gone.isEmpty()) return;
            if (Names.same(gone, sync)) {
                quorumUpdate(0, Set.of(), null, false);
                syncUpdate(0, Set.of());
                return;
            }
            if (quorum > 0) {
                // the quorum can absorb some losses: unlist them first, then drop them from the voters
                Set<String> remove = Names.of(sorted(gone, true).subList(0, Math.min(quorum, gone.size())));
                Set<String> kept = Names.minus(sync, remove);
                int n = Math.min(wanted > numsync ? wanted : numsync, kept.size());
                syncUpdate(n, kept);
                Set<String> v = Names.minus(voters, remove);
                gone = Names.intersect(gone, sync);
                quorumUpdate(v.size() - numsync, v, null, gone.isEmpty());
            }
            if (!gone.isEmpty()) {
                // (Patroni asserts the quorum is 0 here; Regent's quorum may still be held up after a new value)
                int n = numsync - gone.size();
                Set<String> kept = Names.minus(sync, gone);
                Set<String> v = Names.minus(voters, gone);
                int decrease = n - Math.min(wanted, kept.size());
                quorumUpdate(decrease != 0 ? Math.min(decrease, v.size() - 1) : 0, v, null, false);
                syncUpdate(n, kept);
            }
        }

        private void addNewStandbys() {
            Set<String> toAdd = Names.minus(active, sync);
            if (toAdd.isEmpty()) return;
            int target = Math.min(wanted, Names.union(sync, toAdd).size());
            int increase = target - numsync;
            if (increase > 0) {
                // reach the replication factor first; with nothing listed yet everyone can be listed at once
                Set<String> add = sync.isEmpty() ? toAdd
                        : Names.of(sorted(toAdd, false).subList(0, Math.min(increase, toAdd.size())));
                syncUpdate(numsync + (sync.isEmpty() ? increase : add.size()), Names.union(sync, add));
                Set<String> v = Names.union(voters, add);
                quorumUpdate(v.size() - target, v, null, true);
                toAdd = Names.minus(toAdd, sync);
            }
            if (!toAdd.isEmpty()) {
                // the rest only widen the pool: make them voters (quorum up) before listing them
                Set<String> v = Names.union(voters, toAdd);
                quorumUpdate(v.size() - target, v, null, target > confirmed);
                syncUpdate(target, Names.union(sync, toAdd));
            }
        }

        private void applyReplicationFactor() {
            int increase = Math.min(wanted, sync.size()) - numsync;
            if (increase > 0) {
                syncUpdate(numsync + increase, sync);
                quorumUpdate(voters.size() - numsync, voters, null, true);
            } else if (increase < 0) {
                if (quorum - increase < voters.size()) {
                    quorumUpdate(voters.size() - numsync - increase, voters, null, wanted > confirmed);
                }
                syncUpdate(numsync + increase, sync);
            }
        }

        /**
         * Plans a {@code /sync} write. Without a known-confirmed standby and no voters the key is reset to no voters;
         * with {@code adjust}, the quorum is raised by the listed standbys not yet confirmed. Nothing changes: no
         * write (voters present) or a RESTART hint (no voters yet: standbys may become synchronous shortly).
         */
        private void quorumUpdate(int q, Set<String> v, String newLeader, boolean adjust) {
            if (q < 0) throw new QuorumError("Quorum " + q + " < 0 of (" + v + ")");
            if (q > 0 && q >= v.size()) throw new QuorumError("Quorum " + q + " >= N of (" + v + ")");
            String oldLeader = leader;
            if (newLeader != null) {
                leader = newLeader;
            } else if (confirmed == 0 && voters.isEmpty()) {
                q = 0;
                v = Set.of();
            } else if (adjust) {
                q += Math.max(numsync - confirmed, 0);
            }
            if (marked && !v.isEmpty()) {
                // After this run changed synchronous_standby_names, the confirmations counted so far are against the
                // old value: commits acknowledged under it may be on few standbys (fewer confirmations, or a removed
                // standby). Until the next run counts confirmations against the new value, the quorum stays where it
                // protected those commits, plus one for each voter added since. Patroni lowers it at once; the crash
                // test shows a lagging voter then promoted without a commit others confirmed.
                q = Math.max(q, quorumAtMark + Names.minus(v, votersAtMark).size());
            }
            if (leader.equals(oldLeader) && q == quorum && Names.same(v, voters)) {
                if (!voters.isEmpty()) return;
                out.add(new QuorumTransition(QuorumTransition.Type.RESTART, leader, quorum, voters));
            }
            quorum = q;
            voters = Names.of(v);
            checkInvariants();
            out.add(new QuorumTransition(QuorumTransition.Type.QUORUM, leader, quorum, voters));
        }

        private void syncUpdate(int n, Set<String> s) {
            if (n < 0) throw new QuorumError("Sync " + n + " < 0 of (" + s + ")");
            if (n > s.size()) throw new QuorumError("Sync " + n + " > N of (" + s + ")");
            if (!marked && (n != numsync || !Names.same(s, sync))) {
                // The first new value of this run: standbys are confirmed against the old value only, see quorumUpdate
                marked = true;
                quorumAtMark = quorum;
                votersAtMark = voters;
            }
            numsync = n;
            sync = Names.of(s);
            checkInvariants();
            out.add(new QuorumTransition(QuorumTransition.Type.SYNC, leader, numsync, sync));
        }

        private void checkInvariants() {
            Set<String> v = Names.union(voters, Set.of(leader));
            Set<String> s = Names.union(sync, Set.of(leaderWanted));
            int nodes = Names.union(v, s).size();
            if (!voters.isEmpty() && nodes > quorum + numsync + 1) {
                throw new QuorumError("Quorum and sync not guaranteed to overlap: nodes " + nodes + " >= quorum "
                        + quorum + " + sync " + numsync + " + 1");
            }
            if (!v.containsAll(s) && !s.containsAll(v)) {
                throw new QuorumError("Mismatched sets: voter only=" + Names.minus(v, s) + " sync only="
                        + Names.minus(s, v));
            }
        }

        private static boolean strictSubset(Set<String> a, Set<String> b) {
            return b.containsAll(a) && a.size() < b.size();
        }

        private static List<String> sorted(Set<String> names, boolean reverse) {
            List<String> l = new ArrayList<>(names);
            l.sort(reverse ? Comparator.<String>reverseOrder() : Comparator.<String>naturalOrder());
            return l;
        }
    }
}
