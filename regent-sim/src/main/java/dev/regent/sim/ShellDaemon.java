package dev.regent.sim;

import dev.regent.core.ha.Decision;
import dev.regent.core.ha.HaDecider;
import dev.regent.core.ha.HaInput;
import dev.regent.core.ha.NodeMemory;
import dev.regent.core.ha.action.Action;
import dev.regent.core.model.ClusterView;
import dev.regent.daemon.loop.HaLoop;
import dev.regent.daemon.loop.LoopEnvironment;
import dev.regent.daemon.loop.MemberDataBuilder;
import dev.regent.dcs.Dcs;
import dev.regent.dcs.PatroniDcs;
import java.time.Duration;
import java.util.function.Function;

/**
 * The real shell of a simulated node: {@link HaLoop} (its cycle and {@code ActionExecutor}) with the real
 * {@link HaDecider} (decorated by the run's mutant), the real {@link PatroniDcs} codec over the node's own store on
 * the in-memory DCS, and simulated seams: the cluster's {@link Scheduler} as ticker, waits charged to the loop, the
 * simulated background slot and peer probe, and an exit that stops only this daemon.
 */
final class ShellDaemon implements Daemon {
    private final SimCluster cluster;
    private final Node node;
    private final PatroniDcs dcs;
    private final HaLoop loop;

    ShellDaemon(SimCluster cluster, Node node) {
        this.cluster = cluster;
        this.node = node;
        this.dcs = new PatroniDcs(cluster.server.newStore(node.name, Duration.ofSeconds(cluster.timings.ttlS())), null,
                SimCluster.SCOPE, node.name);
        LoopEnvironment env = new LoopEnvironment(cluster.time, d -> cluster.chargeLoop(node, d.toMillis()),
                wake -> new SimBackgroundRunner(cluster, node, wake), (members, self) -> cluster.probe(node, members),
                reason -> cluster.fatalExit(node, reason));
        Function<HaInput, Decision> decider = cluster.mutant.decorate(HaDecider::decide);
        this.loop = new HaLoop(node.name, dcs, new SimPostgresPort(cluster, node), in -> record(in, decider.apply(in)),
                new SimSettings(node.name, cluster.syncMode, cluster.failsafeMode, cluster.timings),
                new MemberDataBuilder(new SimPostgresPort(cluster, node).connUrl(),
                        "http://" + node.name + ":8008/patroni", "4.0.4"), report -> { }, env);
        loop.setFailsafeCaller((members, body) -> cluster.askFailsafe(node, members, body));
    }

    /** The trace shows a decision when its message changes or it does more than renewing. */
    private Decision record(HaInput in, Decision d) {
        node.lastInput = in;
        if (d.actions().stream().anyMatch(a -> a instanceof Action.Promote)) {
            // the promotion itself runs later (background slot): remember whether an operator asked for it
            node.promoteIsManual = in.cluster() != null && in.cluster().failover() != null;
            // An operator's failover (no leader named) to a candidate /sync does not vouch for: a member outside
            // /sync in on mode, any voter in quorum mode (a named failover skips the quorum of votes, in Patroni as
            // here). Patroni lets the operator force it and accept the loss of acknowledged commits, so invariant 2
            // does not apply to that promotion. A switchover is never exempt.
            var f = in.cluster() == null ? null : in.cluster().failover();
            var sync = in.cluster() == null ? null : in.cluster().sync();
            boolean vouched = sync != null && sync.matches(node.name) && "on".equals(cluster.syncMode);
            node.promoteForcedOutsideSync = f != null && (f.leader() == null || f.leader().isEmpty()) && !vouched;
        }
        boolean routine = d.actions().stream().allMatch(a -> a instanceof Action.UpdateLeaderLock
                || a instanceof Action.SyncReplicationSlots || a instanceof Action.WriteMissingConfig);
        if (!routine || !d.message().equals(node.lastMessage)) {
            StringBuilder b = new StringBuilder(d.message());
            if (!d.actions().isEmpty()) {
                b.append(" [");
                for (int i = 0; i < d.actions().size(); i++) {
                    if (i > 0) b.append(", ");
                    b.append(describe(d.actions().get(i)));
                }
                b.append(']');
            }
            cluster.trace.add(node.name, b.toString());
        }
        node.lastMessage = d.message();
        return d;
    }

    private static String describe(Action a) {
        if (a instanceof Action.Demote d) {
            return "Demote " + d.mode() + (d.followMember() == null ? "" : "->" + d.followMember());
        }
        if (a instanceof Action.Follow f) return "Follow " + f.leaderMember();
        if (a instanceof Action.StartPostgres s) {
            return "Start " + (s.asPrimary() ? "primary" : "replica->" + s.followMember());
        }
        if (a instanceof Action.Rewind r) return "Rewind " + r.sourceMember();
        if (a instanceof Action.CloneReplica c) return "Clone " + c.fromMember();
        return a.getClass().getSimpleName();
    }

    @Override
    public long cycle() {
        return loop.nextCycleDelayMillis(loop.cycle());
    }

    @Override
    public NodeMemory memory() {
        return loop.memory();
    }

    @Override
    public String backgroundTask() {
        return loop.backgroundTask();
    }

    @Override
    public String fingerprint(ClusterView cluster) {
        return HaLoop.fingerprint(cluster);
    }

    @Override
    public ClusterView lastCluster() {
        return loop.lastCluster();
    }

    @Override
    public dev.regent.daemon.loop.FailsafeState failsafe() {
        return loop.failsafe();
    }

    @Override
    public Dcs dcs() {
        return dcs;
    }
}
