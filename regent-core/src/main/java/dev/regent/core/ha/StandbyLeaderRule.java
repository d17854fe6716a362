package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.Follow;
import dev.regent.core.ha.action.Action.SyncReplicationSlots;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;
import java.util.ArrayList;
import java.util.List;

/**
 * The lock holder of a standby cluster (§6.12, Patroni's enforce_follow_remote_member): it is the <em>standby
 * leader</em>, a replica of the remote primary named by {@code standby_cluster}, and is never promoted. A primary
 * holding the lock (the {@code standby_cluster} section just appeared) is demoted cleanly, keeping its lock (Patroni's
 * demote-cluster mode). The standby leader keeps the physical slots of the members cascading from it, as a primary
 * does.
 */
final class StandbyLeaderRule {
    private StandbyLeaderRule() {}

    /** Not paused, after the renewal and the manual failover handling ({@code actions} so far). */
    static Decision withLock(Ctx c, List<Action> renewal) {
        List<Action> actions = new ArrayList<>(renewal);
        if (c.pg.isPrimary()) {
            // paused: nothing is demoted (Patroni's follow() in pause)
            if (c.paused()) return c.decide("continue to run as primary without lock", actions);
            actions.add(new Demote(Demote.Mode.DEMOTE_CLUSTER, null, c.standby()));
            return c.decide("cannot be a real primary in standby cluster", actions);
        }
        if (c.memory.rewindOrReinitNeeded() && c.settings.usePgRewind() && c.standby().streams()) {
            // the shell found our WAL past the remote primary's fork point (RemotePrimaryDivergence): Patroni's
            // _handle_rewind_or_reinitialize with the remote member as the leader
            c.memory = c.memory.withRewindOrReinitNeeded(false);
            actions.add(Action.Rewind.fromRemotePrimary(c.standby()));
            return c.decide("running pg_rewind from the remote primary", actions);
        }
        if (c.memory.rewindOrReinitNeeded()) c.infos.add(staysDiverged(c));
        Follow follow = c.followAction();
        String message = follow == null ? "no action. I am (" + c.me + "), the standby leader with the lock"
                : "promoted self to a standby leader because i had the session lock";
        if (follow != null) actions.add(follow);
        if (c.config().useSlots()) actions.add(new SyncReplicationSlots(LeaderRule.slotsFor(c)));
        return c.decide(message, actions);
    }

    /**
     * Why a diverged member of a standby cluster (the standby leader or a member cascading from it) stays as it is,
     * logged every cycle it does. Patroni 4's _handle_rewind_or_reinitialize rewinds it from the remote primary when
     * pg_rewind can run and otherwise does nothing: its re-clone for {@code remove_data_directory_on_diverged_timelines}
     * is skipped in a standby cluster ({@code and not self.is_standby_cluster()}), whatever the member. The need stays
     * noted, so turning {@code use_pg_rewind} on later rewinds it.
     */
    static String staysDiverged(Ctx c) {
        String diverged = "the data directory diverged from the timeline it should follow";
        if (c.settings.usePgRewind()) {
            return diverged + " and standby_cluster names no remote primary to rewind from (no host): staying behind;"
                    + " re-clone this member by hand";
        }
        String ignored = c.settings.removeDataDirectoryOnDivergedTimelines()
                ? " (a standby cluster's members are never re-cloned for diverged timelines, as in Patroni, whatever"
                        + " remove_data_directory_on_diverged_timelines says)"
                : "";
        return diverged + " and use_pg_rewind is off: staying behind" + ignored
                + "; turn use_pg_rewind on or re-clone this member by hand";
    }

    /**
     * Paused, postgres not a primary: the standby leader keeps and renews its lock (a primary cluster's lock holder
     * would release it) and still follows the remote primary as configured, as Patroni's follow() does in pause.
     */
    static Decision paused(Ctx c) {
        if (c.lockLapsed()) return c.decide("not promoting because failed to update leader lock in DCS");
        return withLock(c, List.of(new UpdateLeaderLock()));
    }

    /** The race was won in a standby cluster: follow the remote primary instead of promoting. */
    static Decision won(Ctx c, List<Action> acquired) {
        List<Action> actions = new ArrayList<>(acquired);
        String message = "promoted self to a standby leader by acquiring session lock";
        if (c.pg.isPrimary()) {
            actions.add(new Demote(Demote.Mode.DEMOTE_CLUSTER, null, c.standby()));
            return c.decide(message, actions);
        }
        Follow follow = remoteFollow(c);
        if (follow != null) actions.add(follow);
        return c.decide(message, actions);
    }

    /**
     * Follow the remote primary once the lock is ours: the snapshot still shows the cluster unlocked, so
     * {@link Ctx#followAction()} would also pick the remote, but say it explicitly; null when already following it.
     */
    private static Follow remoteFollow(Ctx c) {
        if (c.noStream()) return null;
        if (c.pg.followedMember() == null && java.util.Objects.equals(c.standby(), c.pg.followedStandby())) {
            return null;
        }
        return new Follow(null, c.standby());
    }
}
