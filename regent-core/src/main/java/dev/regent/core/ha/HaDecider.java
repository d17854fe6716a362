package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.ReloadPostgres;
import dev.regent.core.ha.action.Action.WriteFailsafe;
import dev.regent.core.ha.action.Action.WriteInitialize;
import dev.regent.core.ha.action.Action.WriteMissingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The pure HA decider: one Patroni {@code run_cycle} as a function from {@link HaInput} to {@link Decision} (actions
 * to run in order plus Patroni's one-line message, prefixed {@code PAUSE: } in maintenance mode). No I/O, clock,
 * threads or randomness: equal inputs give equal decisions. Stateless and thread-safe.
 *
 * <h2>Order of evaluation (Patroni's _run_cycle, §6.2)</h2>
 * <ol>
 *   <li>The bootstrap this process ran failed ({@code bootstrapFailed}) → {@link BootstrapRule#failed} (fatal exit).</li>
 *   <li>DCS unreadable ({@code cluster == null}) → {@link DcsUnavailableRule} ({@link FailsafeRule} with
 *       failsafe mode on). With the DCS readable, failsafe mode may put the primary whose {@code POST /failsafe}
 *       this node accepted in place of an expired leader key ({@link FailsafeRule#effectiveCluster}).</li>
 *   <li>A long action in the background slot → {@link LongActionRule} (queued restart/reinitialize commands are
 *       dropped; the REST layer answers "... already in progress").</li>
 *   <li>Empty data directory → {@link BootstrapRule}.</li>
 *   <li>Restart / reinitialize command → {@link CommandRule}.</li>
 *   <li>Invalid or foreign system id / replica without {@code initialize} → {@link DataDirRule} (fatal).</li>
 *   <li>Postgres stopped → {@link StoppedPostgresRule}; starting under my lock (not paused) → {@link StartingRule};
 *       otherwise unlocked → {@link LeaderRaceRule}; my lock → {@link LeaderRule}; another leader →
 *       {@link ReplicaRule}, followed by {@link ScheduledRestartRule} (a due scheduled restart).</li>
 *   <li>Housekeeping: a decision that renews the lock also writes a missing {@code initialize} sysid and a missing
 *       {@code config}; a node adopting existing data prefixes {@code WriteInitialize}; a queued reload prefixes
 *       {@code ReloadPostgres}.</li>
 * </ol>
 *
 * <h2>Input contract</h2>
 * {@code peers} must hold the {@code GET /patroni} answers of the other members (absent = unreachable) whenever
 * {@link ObservationPlan#forCycle} says to probe them (the one statement of when; the shell follows it).
 * {@code nowMillis} is monotonic, {@code wallClockMillis} is only compared with {@code scheduled_at}.
 *
 * <h2>Memory contract: who sets which {@link NodeMemory} field</h2>
 * Both parts are implemented by {@link MemoryContract}: the decider applies {@link MemoryContract#decided} to every
 * decision; the shell stores {@link Decision#memory()} as the next cycle's memory, then applies
 * {@link MemoryContract#after} as actions end (a long action when handed to the background slot and again when its
 * task ends, possibly cycles later):
 * <ul>
 *   <li>{@code lockValidUntil}, {@code wasLeader}: the <b>shell</b> sets {@code lockValidUntil = now + ttl*1000} and
 *       {@code wasLeader = true} after every successful {@code AcquireLeaderLock}, {@code UpdateLeaderLock} or
 *       {@code Bootstrap} (which takes the lock), and after a {@code KeepLeadingInFailsafe} (failsafe mode kept the
 *       leadership without the DCS); {@code lockValidUntil = 0} when {@code UpdateLeaderLock} fails
 *       (refused or retries exhausted); {@code wasLeader = false, lockValidUntil = 0} once a {@code Demote} or
 *       {@code ReleaseLeaderLock} ran (whatever its outcome: the node no longer acts as leader), except a
 *       {@code Demote(DEMOTE_CLUSTER)}, which keeps the lock (the primary becomes the standby
 *       leader). The <b>decider</b>
 *       keeps both only in decisions that contain
 *       {@code UpdateLeaderLock} (or {@code KeepLeadingInFailsafe}) and neither {@code Demote} nor {@code ReleaseLeaderLock}; every other decision resets
 *       them to {@code false}/0. A node with {@code wasLeader} whose {@code now >= lockValidUntil} treats its lock as
 *       lost even if the (possibly stale) snapshot still names it: a running primary demotes
 *       {@code IMMEDIATE_NOLOCK} ("demoted self because failed to update leader lock in DCS").</li>
 *   <li>{@code startingAsPrimarySince}: <b>decider</b>, set when it starts/restarts postgres as primary under the
 *       lock or first sees its lock-holding postgres starting; cleared when postgres runs, the attempt is given up,
 *       or a decision does not keep the lock. The <b>shell</b> sets it again to the moment a
 *       {@code StartPostgres(asPrimary)} is handed to the background slot, and clears it after a successful
 *       {@code Promote}.
 *       A stopped postgres with this field set means the start failed ("removed leader key after trying and failing
 *       to start postgres"), unless {@code startAttached}: then it was a dying postmaster, restarted in place. {@code startAttached}: <b>decider</b>, true when it set {@code startingAsPrimarySince}
 *       on first seeing a starting postgres it did not start (then the start timeout is at least ttl); every
 *       other write of {@code startingAsPrimarySince} clears it.</li>
 *   <li>{@code rewindOrReinitNeeded}: the <b>shell</b> sets it when its rewind check finds the local data diverged
 *       from the leader, after an {@code IMMEDIATE}/{@code IMMEDIATE_NOLOCK} or {@code OFFLINE} demotion, and again
 *       when a rewind fails without wiping the data; it clears it when a {@code Rewind}, {@code Reinitialize} or
 *       {@code Promote} completed. The <b>decider</b> clears it when it issues {@code Rewind}, {@code Reinitialize}
 *       or {@code Promote}.</li>
 *   <li>{@code candidateBehindSince}: <b>decider</b> only, set by a member that is not the named candidate of a
 *       quorum switchover without leader when it first sees the candidate's WAL behind its own, kept while it still
 *       does, 0 in every other decision.</li>
 *   <li>{@code stalledInitialize}: <b>decider</b> only, set by a node that could bootstrap when it sees
 *       {@code initialize == ""} without leader and without any member bootstrapping (the revision and the first time
 *       seen), kept while it sees that revision stalled, null in every other decision; past ttl the decision deletes
 *       the placeholder ({@link StalledBootstrap}).</li>
 *   <li>{@code preferNoRaceUntil} (now + ttl when pre_promote vetoed a {@code Promote}: outcome
 *       {@link ActionOutcome.Kind#REFUSED}) and {@code bootstrapFailed}: <b>shell</b> only; the decider reads them.
 *       Holding the lock with a replica inside that backoff, the decider releases the lock ("Promotion cancelled
 *       because the pre-promote script failed"), then skips leader races until it ends. The shell sets
 *       {@code bootstrapFailed} when the {@code Bootstrap} action failed,
 *       after deleting {@code initialize}, stopping postgres and moving the data directory to
 *       {@code <data_dir>.failed}; the decider then exits the process (Patroni's PatroniFatalException).</li>
 *   <li>{@code ownPromotion}: <b>shell</b> only, through {@link MemoryContract}: set to the timeline a successful
 *       {@code Promote} created ({@link ActionOutcome#createdTimeline()}), forgotten by
 *       {@link MemoryContract#observed} (applied by {@link DivergenceRule#note}) once no background task runs and the
 *       data directory is empty or on another timeline. The decider passes it through.</li>
 * </ul>
 * When an action fails, the shell logs {@link FailureMessages#of(Action)} and re-decides with fresh observations.
 */
public final class HaDecider {
    private HaDecider() {}

    /** Decides one HA cycle. Never returns null; throws NullPointerException when postgres or settings is missing. */
    public static Decision decide(HaInput in) {
        Objects.requireNonNull(in.postgres(), "HaInput.postgres");
        Objects.requireNonNull(in.settings(), "HaInput.settings");
        Ctx c = new Ctx(in);
        if (c.memory.bootstrapFailed() && in.backgroundTask() == null) return finish(c, BootstrapRule.failed(c));
        if (!in.dcsAvailable()) return finish(c, DcsUnavailableRule.decide(c));
        Decision d = decideWithDcs(c);
        return finish(c, housekeeping(c, d));
    }

    /**
     * Patroni's per-cycle INFO line {@code Lock owner: pg0; I am pg1} ({@code None} when unlocked), which the shell
     * logs before the decision's message whenever the DCS was read.
     */
    public static String lockOwnerLine(HaInput in) {
        String owner = in.cluster() == null || in.cluster().leader() == null ? "None" : in.cluster().leader().name();
        return "Lock owner: " + owner + "; I am " + in.settings().name();
    }

    private static Decision decideWithDcs(Ctx c) {
        if (c.in.backgroundTask() != null) return LongActionRule.decide(c);
        if (c.pg.dataDirEmpty()) return BootstrapRule.decide(c);
        // Commands first: reinitialize is the operator's remedy for a broken or foreign data directory.
        Decision cmd = CommandRule.decide(c);
        if (cmd != null) return cmd;
        Decision fatal = DataDirRule.check(c);
        if (fatal != null) return fatal;
        return byPostgresState(c);
    }

    private static Decision byPostgresState(Ctx c) {
        if (c.pg.process() == LocalPostgres.ProcessState.STOPPED) return StoppedPostgresRule.decide(c);
        // A starting postgres matters only to the lock holder (its start timeout); in pause, or for others, the
        // normal rules apply (a starting node never wins the race).
        if (c.pg.process() == LocalPostgres.ProcessState.STARTING && c.hasLock() && !c.paused()) {
            return StartingRule.decide(c);
        }
        if (c.cluster.isUnlocked()) return LeaderRaceRule.decide(c);
        Decision d = c.hasLock() ? LeaderRule.decide(c) : ReplicaRule.decide(c);
        return ScheduledRestartRule.apply(c, d);
    }

    private static Decision housekeeping(Ctx c, Decision d) {
        List<Action> actions = new ArrayList<>();
        if (reloadQueued(c)) actions.add(new ReloadPostgres());
        boolean fatal = d.actions().stream().anyMatch(a -> a instanceof Action.FatalExit);
        boolean dataDir = !c.pg.dataDirEmpty() && c.in.backgroundTask() == null && !fatal;
        if (dataDir && DataDirRule.mustAdopt(c)) actions.add(new WriteInitialize(c.pg.systemId()));
        actions.addAll(d.actions());
        if (keepsLock(d)) {
            if (!DataDirRule.sysidValid(c.cluster.initialize()) && DataDirRule.sysidValid(c.pg.systemId())
                    && !DataDirRule.mustAdopt(c)) {
                actions.add(new WriteInitialize(c.pg.systemId()));
            }
            if (c.cluster.config() == null) actions.add(new WriteMissingConfig());
            Map<String, String> topology = FailsafeRule.topology(c);
            if (topology != null && !topology.equals(c.cluster.failsafe())) actions.add(new WriteFailsafe(topology));
        }
        return new Decision(actions, d.message(), c.memory, c.warnings, c.infos);
    }

    private static boolean reloadQueued(Ctx c) {
        return c.in.commands().stream().anyMatch(cmd -> cmd instanceof Command.Reload);
    }

    /** The decision renews the lock and does not give it up. */
    static boolean keepsLock(Decision d) {
        return MemoryContract.keepsLock(d.actions());
    }

    private static Decision finish(Ctx c, Decision d) {
        // the decider's part of the memory contract (lock kept or forgotten, rewind state cleared on promote)
        NodeMemory m = MemoryContract.decided(c.memory, d.actions()).withCandidateBehindSince(c.candidateBehindSince)
                .withStalledInitialize(c.stalledInitialize);
        // Patroni's run_cycle prefixes every result with "PAUSE: " in maintenance mode
        String message = c.paused() ? "PAUSE: " + d.message() : d.message();
        return new Decision(d.actions(), message, m, c.warnings, c.infos);
    }
}
