package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.Bootstrap;
import dev.regent.core.ha.action.Action.CloneReplica;
import dev.regent.core.ha.action.Action.FatalExit;
import dev.regent.core.ha.action.Action.RaceInitialize;
import dev.regent.core.ha.action.Action.ReleaseLeaderLock;
import dev.regent.core.ha.action.Action.StopPostgres;
import java.util.ArrayList;
import java.util.List;

/**
 * The data directory is empty (Patroni's "uninitialized" branch and bootstrap(), §6.3): release a lock we somehow
 * hold, then race for {@code initialize} when the cluster is new, or clone from the leader / a clonefrom member.
 */
final class BootstrapRule {
    private BootstrapRule() {}

    static Decision decide(Ctx c) {
        List<Action> stop = new ArrayList<>();
        if (c.pg.process() != LocalPostgres.ProcessState.STOPPED) stop.add(new StopPostgres());
        if (c.hasLock()) {
            stop.add(new ReleaseLeaderLock());
            return c.decide("released leader key voluntarily as data dir empty and currently leader", stop);
        }
        if (c.paused()) return c.decide("running with empty data directory", stop);
        boolean mayRace = !c.iAmNoFailover() && c.settings.hasBootstrapSection() && !c.memory.bootstrapFailed();
        if (c.cluster.isUnlocked() && c.cluster.initialize() == null && mayRace) {
            stop.add(new RaceInitialize());
            if (c.isStandbyCluster()) {
                // Patroni's bootstrap_standby_leader: clone from the remote primary, never initdb
                stop.add(new Bootstrap(c.standby()));
                return c.decide("trying to bootstrap a new standby leader", stop);
            }
            stop.add(new Bootstrap());
            return c.decide("trying to bootstrap a new cluster", stop);
        }
        Decision stalled = mayRace ? StalledBootstrap.check(c, stop) : null;
        if (stalled != null) return stalled;
        String from = c.cloneMember();
        if (!c.cluster.isUnlocked() && from != null) {
            String role = from.equals(c.leaderName()) ? "leader" : "replica";
            stop.add(new CloneReplica(from, c.standby()));
            return c.decide("trying to bootstrap from " + role + " '" + from + "'", stop);
        }
        // Patroni: with no leader, a replica method marked no_leader (a restore from a backup) may create this node,
        // but not while another member is bootstrapping the cluster (initialize is "")
        if (c.cluster.isUnlocked() && c.settings.replicaWithoutLeader() && !"".equals(c.cluster.initialize())) {
            stop.add(new CloneReplica(null));
            return c.decide("trying to bootstrap (without leader)", stop);
        }
        return c.decide(c.isStandbyCluster() ? "waiting for standby_leader to bootstrap"
                : "waiting for leader to bootstrap", stop);
    }

    /**
     * The bootstrap this process ran failed; the shell already deleted {@code initialize}, stopped postgres and moved
     * the data directory aside, so the other members may race for {@code initialize}. This node exits non-zero, as
     * Patroni 4 does (post_bootstrap → cancel_initialization raises "Failed to bootstrap cluster"): it never stays
     * behind waiting for a leader that cannot come.
     */
    static Decision failed(Ctx c) {
        return c.decide(FAILED, new FatalExit(FAILED));
    }

    /** Patroni's message for a failed bootstrap (operators and charms grep for it). */
    static final String FAILED = "Failed to bootstrap cluster";
}
