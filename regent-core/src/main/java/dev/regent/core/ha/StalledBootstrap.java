package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.CancelStaleInitialize;
import dev.regent.core.model.Member;
import java.util.ArrayList;
import java.util.List;

/**
 * A bootstrap placeholder nobody completes: {@code initialize} is {@code ""}, there is no leader, and no member reports
 * a bootstrap. It happens when the node that won the create saw a timeout although the store applied the write (it
 * believes it lost and waits, as every other node does), or when the winner died before the end of its bootstrap.
 * Patroni waits for an operator to delete the key ("waiting for leader to bootstrap" for ever); Regent deletes it
 * itself once the placeholder, at one mod revision, has stalled for longer than ttl as this node saw it, and the
 * members race again on the next cycle.
 *
 * <p>Why an observed bound and not the creator's memory of its ambiguous create: the creator cannot prove the key is
 * its own (the value is {@code ""} in Patroni's layout, which Patroni tools and Patroni members read, so Regent writes
 * nothing else into it), a dead creator remembers nothing, and from outside both look the same. A live bootstrapper
 * rewrites its member key every loop_wait with a bootstrap state ({@code initializing new cluster}, {@code running
 * custom bootstrap script}, then a starting or running postgres), so any member state but {@code stopped} keeps the
 * wait; ttl exceeds loop_wait. Should a live but unreported bootstrapper lose its placeholder anyway (its DCS
 * connection down for longer than ttl), the bootstrap completes {@code initialize} only over {@code ""} or an absent
 * key, so just one system identifier is ever written and the other bootstrapper moves its data aside: the lock goes
 * only to the node whose data matches {@code initialize}.
 */
final class StalledBootstrap {
    private StalledBootstrap() {}

    /**
     * Records in {@code c} the stalled placeholder this cycle saw (kept in memory only while seen), and returns the
     * decision that deletes it once it stalled for longer than ttl; null otherwise. Call only for a node that could
     * race for {@code initialize} itself.
     */
    static Decision check(Ctx c, List<Action> stop) {
        if (!c.cluster.isUnlocked() || !"".equals(c.cluster.initialize())) return null;
        if (c.cluster.members().stream().anyMatch(StalledBootstrap::mayBeBootstrapping)) return null;
        long version = c.cluster.initializeVersion();
        NodeMemory.StalledInitialize seen = c.memory.stalledInitialize();
        long since = seen != null && seen.version() == version ? seen.sinceMillis() : c.in.nowMillis();
        long ttlMillis = c.settings.ttlSeconds() * 1000L;
        if (version == 0 || c.in.nowMillis() - since <= ttlMillis) {
            c.stalledInitialize = new NodeMemory.StalledInitialize(version, since);
            return null;
        }
        List<Action> actions = new ArrayList<>(stop);
        actions.add(new CancelStaleInitialize(version));
        return c.decide("removing initialize key: no leader and no member bootstrapping for longer than ttl ("
                + c.settings.ttlSeconds() + " s)", actions);
    }

    /** Only a member with a stopped postgres (the state of a waiting member) surely is not bootstrapping. */
    private static boolean mayBeBootstrapping(Member m) {
        return !"stopped".equals(m.state());
    }
}
