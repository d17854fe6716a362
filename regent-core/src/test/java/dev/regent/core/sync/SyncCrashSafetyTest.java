package dev.regent.core.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import dev.regent.core.model.SyncState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Crash after every step: a model of one primary and four standbys (WAL positions, which standbys must confirm a
 * commit under the {@code synchronous_standby_names} in force, PostgreSQL's {@code sync_state}) driven by Regent's
 * real readiness, candidate selection, planners and resolver through generated histories: standbys stop and return,
 * {@code synchronous_node_count} changes, the primary crashes and a promotable standby takes over (after its
 * pre-promotion writes). Between any two writes an adversary commits a transaction (choosing which standbys confirm
 * it, when the value leaves a choice), lets standbys catch up or does nothing; after every write and every move the
 * primary is assumed to crash and <em>every</em> promotion the rules then allow is checked: the promoted standby must
 * hold the last acknowledged commit. The rules: {@code on} mode promotes only members published in {@code /sync};
 * quorum mode promotes a standby that {@code quorum} voters besides itself found not behind them (a standby outside
 * the voters needs one more vote), and never a {@code /sync} leader that is not the crashed primary (the
 * pre-promotion write names the new leader before it accepts writes).
 */
class SyncCrashSafetyTest {
    private static final List<String> NODES = List.of("a", "b", "c", "d", "e");
    private static final int RUNS = 1500;

    enum Mode { ON, ON_STRICT, QUORUM, QUORUM_STRICT }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void noAllowedPromotionLosesAnAcknowledgedCommit(Mode mode) {
        int failovers = 0;
        int acked = 0;
        int published = 0;
        for (int seed = 0; seed < RUNS; seed++) {
            Sim sim = new Sim(mode, new Random(seed * 7919L + mode.ordinal()));
            sim.run(12);
            sim.settle();
            failovers += sim.failovers;
            acked += sim.ackedCommits;
            published += sim.publishedStates;
        }
        // the generated histories must reach the interesting states, or the check proves nothing
        assertThat(failovers).as("failovers").isGreaterThan(RUNS / 2);
        assertThat(acked).as("acknowledged commits").isGreaterThan(RUNS * 5);
        assertThat(published).as("states with published synchronous standbys").isGreaterThan(RUNS);
    }

    /** One history. */
    static final class Sim {
        final Mode mode;
        final Random rnd;
        final boolean quorumMode;
        final boolean strict;
        String primary = "a";
        final Map<String, Long> lsn = new TreeMap<>();
        final Set<String> alive = new TreeSet<>(NODES);
        long head = 1;
        long acked = 1;
        String ssn = "";
        SyncState dcs = null;
        SyncReadiness readiness = SyncReadiness.INITIAL;
        int wanted;
        int failovers;
        int ackedCommits;
        int publishedStates;
        /** Running the pre-promotion writes: still a replica, no commits yet. */
        boolean promoting;
        final List<String> trace = new ArrayList<>();

        Sim(Mode mode, Random rnd) {
            this.mode = mode;
            this.rnd = rnd;
            this.quorumMode = mode == Mode.QUORUM || mode == Mode.QUORUM_STRICT;
            this.strict = mode == Mode.ON_STRICT || mode == Mode.QUORUM_STRICT;
            this.wanted = 1 + rnd.nextInt(3);
            for (String n : NODES) lsn.put(n, 1L);
        }

        void run(int cycles) {
            for (int i = 0; i < cycles; i++) {
                event();
                cycle();
            }
        }

        /**
         * No more faults: every standby that runs catches up between cycles; within a few cycles the state must be the
         * optimal one for the standbys streaming now.
         */
        void settle() {
            for (int i = 0; i < 6; i++) {
                for (String n : streaming()) lsn.put(n, head);
                cycle();
            }
            for (String n : streaming()) lsn.put(n, head);
            Set<String> active = streaming();
            SyncStandbyNames.Parsed p = SyncStandbyNames.parse(ssn);
            String where = "settled state /sync=" + dcs + " ssn='" + ssn + "' active=" + active + " wanted=" + wanted
                    + "\ntrace:\n  " + String.join("\n  ", trace);
            assertThat(dcs).as(where).isNotNull();
            assertThat(dcs.leader()).as(where).isEqualTo(primary);
            if (quorumMode) {
                int numsync = Math.min(wanted, active.size());
                assertThat(Names.of(dcs.syncStandbys())).as(where).isEqualTo(Names.of(active));
                assertThat(Names.of(p.names())).as(where).isEqualTo(Names.of(active));
                assertThat(p.numsync()).as(where).isEqualTo(active.isEmpty() ? 0 : numsync);
                assertThat(dcs.quorum()).as(where).isEqualTo(active.size() - numsync);
            } else {
                int n = Math.min(wanted, active.size());
                assertThat(dcs.syncStandbys()).as(where).hasSize(n);
                assertThat(Names.of(p.names())).as(where).isEqualTo(Names.of(dcs.syncStandbys()));
            }
        }

        /** Something happens between cycles: a standby stops or returns, the wanted count changes, a crash. */
        void event() {
            int r = rnd.nextInt(10);
            if (r < 4) {
                String n = NODES.get(1 + rnd.nextInt(NODES.size() - 1));
                if (n.equals(primary)) return;
                if (alive.contains(n)) {
                    alive.remove(n);
                    trace.add("stop " + n);
                } else {
                    alive.add(n);
                    trace.add("start " + n);
                }
            } else if (r < 5) {
                wanted = 1 + rnd.nextInt(3);
                trace.add("synchronous_node_count=" + wanted);
            } else if (r < 7) {
                crashAndFailover();
            }
        }

        void cycle() {
            SyncFacts facts = facts();
            readiness = readiness.next(facts, dcs, quorumMode);
            SyncObservation obs = SyncCandidates.observe(facts, readiness, members(), config(), primary);
            if (quorumMode) {
                quorumCycle(obs);
            } else {
                apply(MultisyncPlanner.plan(primary, dcs, obs, strict).steps());
            }
        }

        private void quorumCycle(SyncObservation obs) {
            if (dcs == null || dcs.leader() == null) {
                if (!apply(List.of(new SyncStep.WriteSync(primary, Set.of(), 0, "enable")))) return;
            }
            QuorumState state = new QuorumState(dcs.leader(), dcs.quorum(), dcs.syncStandbys(),
                    obs.current().numsync(), Set.copyOf(obs.current().names()),
                    (int) obs.active().stream().filter(readiness::isReady).count(), obs.active(), wanted, primary);
            List<SyncStep> steps = new ArrayList<>();
            for (QuorumTransition t : QuorumResolver.resolve(state).transitions()) {
                switch (t.type()) {
                    case QUORUM -> steps.add(new SyncStep.WriteSync(t.leader(), t.names(), t.num(), "quorum"));
                    case SYNC -> {
                        int num = strict ? Math.max(t.num(), 1) : t.num();
                        String v = SyncStandbyNames.render(t.names(), num, true);
                        steps.add(new SyncStep.SetStandbyNames(v == null ? "" : v, "sync"));
                    }
                    case RESTART -> { }
                }
            }
            apply(steps);
        }

        /** Runs the steps in order; the primary may crash after each one (checked), an adversary moves in between. */
        boolean apply(List<SyncStep> steps) {
            adversary();
            for (SyncStep s : steps) {
                trace.add(primary + ": " + s);
                if (s instanceof SyncStep.WriteSync w) {
                    dcs = new SyncState(dcs == null ? 1 : dcs.version() + 1, w.leader(), w.standbys(), w.quorum());
                    if (!w.standbys().isEmpty()) publishedStates++;
                } else if (s instanceof SyncStep.SetStandbyNames n) {
                    ssn = n.value() == null ? "" : n.value();
                } else if (s instanceof SyncStep.DeleteSync) {
                    dcs = null;
                }
                checkEveryPromotion();
                adversary();
            }
            return true;
        }

        void adversary() {
            int r = promoting ? 3 : rnd.nextInt(4);
            if (r == 0 || r == 1) {
                commit();
            } else if (r == 2) {
                for (String n : streaming()) {
                    if (rnd.nextBoolean()) lsn.put(n, head);
                }
            }
            checkEveryPromotion();
        }

        /** A transaction: the primary writes it; it is acknowledged once the value in force is satisfied. */
        void commit() {
            head++;
            lsn.put(primary, head);
            Set<String> ackers = chooseAckers();
            if (ackers == null) {
                trace.add("commit " + head + " waits");
                return; // waits for confirmations that cannot come now: not acknowledged
            }
            for (String n : ackers) lsn.put(n, head);
            acked = head;
            ackedCommits++;
            trace.add("commit " + head + " acknowledged by " + primary + "+" + ackers);
        }

        /** The standbys confirming a commit under {@link #ssn}, or null when it waits. */
        Set<String> chooseAckers() {
            SyncStandbyNames.Parsed p = SyncStandbyNames.parse(ssn);
            List<String> streaming = new ArrayList<>(streaming());
            if (p.kind() == SyncStandbyNames.Kind.OFF) return Set.of();
            if (p.hasStar()) {
                if (streaming.size() < p.num()) return null;
                java.util.Collections.shuffle(streaming, rnd);
                return new LinkedHashSet<>(streaming.subList(0, p.num()));
            }
            List<String> listed = new ArrayList<>();
            for (String m : p.members()) {
                if (streaming.contains(m)) listed.add(m);
            }
            if (listed.size() < p.num()) return null;
            if (p.kind() == SyncStandbyNames.Kind.PRIORITY) return new LinkedHashSet<>(listed.subList(0, p.num()));
            java.util.Collections.shuffle(listed, rnd);
            return new LinkedHashSet<>(listed.subList(0, p.num()));
        }

        /** Standbys streaming from the primary. */
        Set<String> streaming() {
            Set<String> s = new TreeSet<>(alive);
            s.remove(primary);
            return s;
        }

        void checkEveryPromotion() {
            for (String x : NODES) {
                if (x.equals(primary)) continue;
                if (promotable(x) && lsn.get(x) < acked) {
                    fail("%s could be promoted without acknowledged commit %d (has %d); /sync=%s ssn='%s' lsn=%s"
                            + "%ntrace:%n  %s", x, acked, lsn.get(x), dcs, ssn, lsn, String.join("\n  ", trace));
                }
            }
        }

        /** Whether the rules allow promoting {@code x} after the primary crashed (peers may be unreachable). */
        boolean promotable(String x) {
            if (dcs == null || dcs.leader() == null) return false; // tested modes keep /sync from the first cycle
            if (dcs.leader().equalsIgnoreCase(x)) return false; // the /sync leader is the crashed primary
            if (!quorumMode) return dcs.syncStandbys().stream().anyMatch(s -> s.equalsIgnoreCase(x));
            Set<String> voters = Names.of(dcs.syncStandbys());
            int notAhead = 0;
            for (String v : voters) {
                if (!v.equalsIgnoreCase(x) && !v.equals(primary) && lsn.get(v) <= lsn.get(x)) notAhead++;
            }
            int needed = voters.contains(x) ? dcs.quorum() : dcs.quorum() + 1;
            return notAhead >= needed;
        }

        /** The primary crashes; a standby the rules allow (at random) promotes after its pre-promotion writes. */
        void crashAndFailover() {
            List<String> candidates = new ArrayList<>();
            for (String x : streaming()) {
                if (promotable(x)) candidates.add(x);
            }
            if (candidates.isEmpty()) return;
            String x = candidates.get(rnd.nextInt(candidates.size()));
            trace.add("crash " + primary + ", " + x + " promotes");
            String old = primary;
            alive.remove(old);
            List<SyncStep> pre = quorumMode ? SyncPromotion.quorum(x, dcs, strict) : SyncPromotion.on(x);
            primary = x;
            // WAL beyond the new primary's position was never acknowledged; the others are rewound to it
            for (String n : NODES) {
                if (lsn.get(n) > lsn.get(x)) lsn.put(n, lsn.get(x));
            }
            head = lsn.get(x);
            readiness = SyncReadiness.INITIAL;
            promoting = true;
            apply(pre);
            promoting = false;
            failovers++;
            if (rnd.nextBoolean()) {
                alive.add(old);
                trace.add("start " + old);
            }
        }

        SyncFacts facts() {
            SyncStandbyNames.Parsed p = SyncStandbyNames.parse(ssn);
            List<WalSender> senders = new ArrayList<>();
            int pid = 100;
            List<String> priorityListed = new ArrayList<>();
            for (String m : p.members()) {
                if (streaming().contains(m)) priorityListed.add(m);
            }
            for (String n : streaming()) {
                String state;
                if (p.kind() == SyncStandbyNames.Kind.QUORUM && (p.lists(n) || p.hasStar())) {
                    state = "quorum";
                } else if (p.kind() == SyncStandbyNames.Kind.PRIORITY && (p.hasStar()
                        || priorityListed.indexOf(n) >= 0 && priorityListed.indexOf(n) < p.num())) {
                    state = "sync";
                } else if (p.lists(n)) {
                    state = "potential";
                } else {
                    state = "async";
                }
                long l = lsn.get(n);
                senders.add(new WalSender(pid++, n, state, l, l, l));
            }
            return new SyncFacts(ssn, "on", head, senders);
        }

        List<Member> members() {
            List<Member> out = new ArrayList<>();
            for (String n : alive) {
                MemberData d = new MemberData(null, "http://" + n, null, "running", null, null, lsn.get(n), null,
                        null, null, null, Map.of(), null, null, null, null, false, Map.of());
                out.add(new Member(n, 1, null, d));
            }
            return out;
        }

        ClusterConfig config() {
            Map<String, Object> c = new HashMap<>();
            c.put("synchronous_mode", quorumMode ? "quorum" : "on");
            c.put("synchronous_mode_strict", strict);
            c.put("synchronous_node_count", wanted);
            return new ClusterConfig(1, c);
        }
    }
}
