package dev.regent.core.ha.action;

import dev.regent.core.model.StandbyCluster;
import dev.regent.core.slots.SlotSpec;
import java.util.Map;
import java.util.Set;

/**
 * What the HA decider asks the shell to do. The executor runs actions in list order and stops at the first one
 * that fails (a lost race or CAS counts as failure); ordering rules are the decider's responsibility (e.g. a
 * {@link Promote} always follows a successful {@link AcquireLeaderLock}). Actions marked <em>long</em> run in
 * the single background slot; the loop keeps renewing the lock while they run.
 */
public sealed interface Action {
    /** Create {@code initialize} with value "" (create-if-absent). Fails when another node won the race. */
    record RaceInitialize() implements Action {}

    /**
     * Delete {@code initialize} only while it still has mod revision {@code version} (the {@code ""} placeholder the
     * decider saw left behind by a bootstrap nobody runs any more), so that the members race for it again. Fails when
     * the key changed meanwhile.
     */
    record CancelStaleInitialize(long version) implements Action {}

    /**
     * <em>Long.</em> initdb, pg_hba, start, wait for recovery end, create users, post_bootstrap, then write
     * {@code initialize=<sysid>} (only over {@code ""} or an absent key), {@code config} from bootstrap.dcs and take
     * the leader lock. On failure: delete {@code initialize} (when {@code ""} or our sysid), stop postgres, move the
     * data directory to {@code <data_dir>.failed}. When another member's sysid is there already (it bootstrapped too,
     * after a placeholder was cancelled), stop postgres, move the data directory aside and end without the lock.
     * With {@code standby} (a standby cluster: Patroni's bootstrap_standby_leader): never initdb; clone from the remote
     * primary by {@code standby.createReplicaMethods()}, start as the standby leader following it, then write
     * {@code initialize} and {@code config} and take the lock as above.
     */
    record Bootstrap(StandbyCluster standby) implements Action {
        /** initdb or the custom bootstrap method. */
        public Bootstrap() {
            this(null);
        }

        @Override
        public String toString() {
            return standby == null ? "Bootstrap[]" : "Bootstrap[standby=" + standby + "]";
        }
    }

    /**
     * <em>Long.</em> Create the replica by the configured methods in order ({@code create_replica_methods}, built-in
     * basebackup), cloning from {@code fromMember}, then start as replica. {@code fromMember} null: no member to
     * clone from (no leader), only the methods marked {@code no_leader} run. {@code standby}: the cluster is a
     * standby cluster; the new replica's recovery settings get its {@code restore_command} and
     * {@code archive_cleanup_command} ({@link Follow}).
     */
    record CloneReplica(String fromMember, StandbyCluster standby) implements Action {
        /** Outside a standby cluster. */
        public CloneReplica(String fromMember) {
            this(fromMember, null);
        }

        @Override
        public String toString() {
            return "CloneReplica[fromMember=" + fromMember + (standby == null ? "" : ", standby=" + standby) + "]";
        }
    }

    /** Create the leader key with our name and session (create-if-absent). Fails when the key exists. */
    record AcquireLeaderLock() implements Action {}

    /**
     * Renew the leader key (CAS on value == our name, refresh the session) and write {@code status}. Fails when lost.
     */
    record UpdateLeaderLock() implements Action {}

    /**
     * Failsafe mode kept this primary running while the DCS is unreachable (every member of {@code /failsafe}
     * accepted its {@code POST /failsafe}): mark failsafe active for ttl seconds (REST {@code failsafe_mode_is_active},
     * the metric) and keep the watchdog alive, as Patroni's _handle_dcs_error does. Touches neither postgres nor the
     * DCS.
     */
    record KeepLeadingInFailsafe() implements Action {}

    /**
     * Write {@code /failsafe} = {@code topology} ({@code {member: api_url}}), adding this node with its own api_url
     * when missing. Issued by the leader after a lock renewal when failsafe mode is on and the key differs. A failed
     * write is logged and does not count as a failed action (Patroni's write_failsafe).
     */
    record WriteFailsafe(java.util.Map<String, String> topology) implements Action {
        public WriteFailsafe {
            topology = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(topology));
        }
    }

    /** Delete the leader key if it holds our name, after writing the final {@code status.optime}. */
    record ReleaseLeaderLock() implements Action {}

    /**
     * Write {@code initialize=<sysid>} (our data directory's system identifier): create the key when it is absent
     * (create-if-absent, a lost race counts as failure), or overwrite a value that is not a valid system id. Issued by
     * the lock holder when {@code initialize} lacks the sysid, and by a node adopting an existing data directory.
     */
    record WriteInitialize(String systemId) implements Action {}

    /** Write {@code config} from the cached dynamic config when the key is missing (leader only). */
    record WriteMissingConfig() implements Action {}

    /**
     * Start postgres. {@code asPrimary == true}: start without standby.signal (a primary that stopped). Otherwise
     * start as a replica streaming from {@code followMember} (null: no primary_conninfo, read-only). With
     * {@code standby}, the recovery source as in {@link Follow}.
     */
    record StartPostgres(boolean asPrimary, String followMember, StandbyCluster standby) implements Action {
        /** Outside a standby cluster. */
        public StartPostgres(boolean asPrimary, String followMember) {
            this(asPrimary, followMember, null);
        }

        @Override
        public String toString() {
            return "StartPostgres[asPrimary=" + asPrimary + ", followMember=" + followMember
                    + (standby == null ? "" : ", standby=" + standby) + "]";
        }
    }

    /**
     * <em>Long.</em> Promote the running replica: pre_promote, {@code pg_ctl promote}, on_role_change(primary); then
     * append the previous timeline to {@code history} and CHECKPOINT. Runs in the background slot (task
     * {@code promote}, as in Patroni's async executor) so the loop keeps renewing the lock however long pre_promote
     * takes; {@code pg_ctl promote} is skipped when the lease ran out meanwhile. A pre_promote that exits non-zero
     * vetoes it: the shell sets {@code preferNoRaceUntil} ({@link dev.regent.core.ha.MemoryContract}) and the
     * decider releases the lock. After the promote request succeeded the executor logs Patroni's INFO line
     * {@code cleared rewind state after becoming the leader} (the decider clears {@code rewindOrReinitNeeded} in the
     * same decision).
     */
    record Promote() implements Action {}

    /**
     * Stop being a primary and restart as a replica following {@code followMember} (null when unknown). When postgres
     * is already stopped the stop is skipped; when a background task runs (start/restart) it is cancelled first.
     * <ul>
     *   <li>{@code GRACEFUL} (switchover): fast stop with shutdown checkpoint, release the lock, start as replica</li>
     *   <li>{@code IMMEDIATE}: immediate stop, release the lock, start as replica</li>
     *   <li>{@code IMMEDIATE_NOLOCK}: immediate stop without touching the lock (we already lost it)</li>
     *   <li>{@code OFFLINE}: fast stop, keep the lock untouched, start read-only without primary_conninfo
     *       (DCS unreachable)</li>
     *   <li>{@code DEMOTE_CLUSTER} ({@code standby_cluster} appeared: Patroni's demote-cluster mode): fast stop with
     *       shutdown checkpoint, keep the lock, start as the standby leader following the remote primary of
     *       {@code standby} (the recovery source as in {@link Follow})</li>
     * </ul>
     */
    record Demote(Mode mode, String followMember, StandbyCluster standby) implements Action {
        public enum Mode { GRACEFUL, IMMEDIATE, IMMEDIATE_NOLOCK, OFFLINE, DEMOTE_CLUSTER }

        /** Outside a standby cluster. */
        public Demote(Mode mode, String followMember) {
            this(mode, followMember, null);
        }

        @Override
        public String toString() {
            return "Demote[mode=" + mode + ", followMember=" + followMember
                    + (standby == null ? "" : ", standby=" + standby) + "]";
        }
    }

    /**
     * Make the running replica stream from {@code leaderMember}: rewrite primary_conninfo/primary_slot_name when they
     * differ and reload (PG 13+). No-op when already following it. {@code null} means stream from nobody (the
     * {@code nostream} tag): remove primary_conninfo and rely on restore_command.
     * <p>In a standby cluster ({@code standby} not null): {@code leaderMember} null means the remote primary (the
     * standby leader, or any node while the standby cluster has no leader): primary_conninfo from its host/port,
     * primary_slot_name from {@code primary_slot_name} (none when absent), plus the section's
     * {@code restore_command}, {@code archive_cleanup_command} and {@code recovery_min_apply_delay}; a member name
     * means cascading from it with the section's {@code restore_command} and {@code archive_cleanup_command}
     * (Patroni's _get_node_to_follow and build_recovery_params). The shell fires {@code on_role_change} with
     * {@code standby_leader} when it starts following the remote primary while holding the lock.
     */
    record Follow(String leaderMember, StandbyCluster standby) implements Action {
        /** Outside a standby cluster. */
        public Follow(String leaderMember) {
            this(leaderMember, null);
        }

        /** Stream from (and/or restore WAL as configured for) the remote primary of the standby cluster. */
        public boolean remote() {
            return standby != null && leaderMember == null;
        }

        @Override
        public String toString() {
            return "Follow[leaderMember=" + leaderMember + (standby == null ? "" : ", standby=" + standby) + "]";
        }
    }

    /**
     * <em>Long.</em> Stop postgres if it runs, pg_rewind from {@code sourceMember} (or, for a standby leader, from the
     * remote primary of {@code standby}), then start as a replica following it.
     * On failure with remove_data_directory_on_rewind_failure (or ..._on_diverged_timelines) the executor wipes the data
     * directory, so the next cycle clones again; otherwise it sets {@link dev.regent.core.ha.NodeMemory#rewindOrReinitNeeded}
     * again.
     */
    record Rewind(String sourceMember, StandbyCluster standby) implements Action {
        /** From a member of this cluster. */
        public Rewind(String sourceMember) {
            this(sourceMember, null);
        }

        /**
         * From the remote primary of {@code standby} (the standby leader: Patroni's rewind against its remote
         * member), then start following it as the standby leader.
         */
        public static Rewind fromRemotePrimary(StandbyCluster standby) {
            return new Rewind(null, standby);
        }

        @Override
        public String toString() {
            return standby == null ? "Rewind[sourceMember=" + sourceMember + "]" : "Rewind[standby=" + standby + "]";
        }
    }

    /**
     * <em>Long.</em> Stop postgres, wipe the data directory and create the replica again from {@code fromMember} by
     * the configured methods; {@code fromLeader} ({@code reinit --from-leader}): by basebackup alone.
     */
    record Reinitialize(String fromMember, boolean fromLeader) implements Action {
        /** By the configured methods. */
        public Reinitialize(String fromMember) {
            this(fromMember, false);
        }
    }

    /** <em>Long.</em> Restart postgres keeping its role. */
    record RestartPostgres(Integer timeoutSeconds) implements Action {}

    /** Re-render configuration files and reload postgres (SIGHUP). */
    record ReloadPostgres() implements Action {}

    /** Clear the {@code failover} key (write {@code {}} with CAS on {@code version}). */
    record ClearFailover(long version) implements Action {}

    /**
     * Make this node's replication slots match {@code wanted} (from {@link dev.regent.core.slots.SlotPlanner}): the
     * executor reads the slots postgres has and applies {@link dev.regent.core.slots.SlotReconciler}'s changes
     * (create, advance, copy, drop; unknown slots are kept in maintenance mode, {@code ignore_slots} never touched).
     * Emitted each cycle by the lock holder right after the renewal, and by replicas that keep slots; also by a
     * replica while the DCS is unreachable and failsafe mode is active, from the primary's {@code POST /failsafe}
     * positions ({@link dev.regent.core.ha.FailsafeRule}).
     *
     * @param copyLogical logical slots this replica lacks may be copied from the primary (off while failsafe mode is
     *                    active here, as Patroni: a copy restarts postgres)
     */
    record SyncReplicationSlots(Map<String, SlotSpec> wanted, boolean copyLogical) implements Action {
        public SyncReplicationSlots {
            wanted = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(wanted));
        }

        /** Slots to sync, copying missing logical slots allowed. */
        public SyncReplicationSlots(Map<String, SlotSpec> wanted) {
            this(wanted, true);
        }

        /** Slots for members that stream from this node (created, never advanced). */
        public SyncReplicationSlots(Set<String> memberSlots) {
            this(streaming(memberSlots));
        }

        private static Map<String, SlotSpec> streaming(Set<String> names) {
            Map<String, SlotSpec> m = new java.util.TreeMap<>();
            for (String n : names) m.put(n, SlotSpec.memberStreaming());
            return m;
        }

        /** The wanted slot names. */
        public Set<String> slots() {
            return wanted.keySet();
        }
    }

    /**
     * Before {@code Promote}, right after the lock was taken: create the physical slots the new primary will keep
     * (the lock holder's {@link SyncReplicationSlots} set) while postgres is still a standby, never dropping any. The
     * other members re-point to this node as soon as they see its leader key, and a walreceiver that asks for a slot
     * that does not exist yet fails, after which PostgreSQL retries only after {@code wal_retrieve_retry_interval}
     * (5 s): in synchronous mode commits waited that long for their standby (Patroni 4 avoids it by keeping every
     * member's slot on every replica). Best effort: a failure is logged and never holds the promotion back.
     */
    record PrepareReplicationSlots(Set<String> slots) implements Action {
        public PrepareReplicationSlots {
            slots = Set.copyOf(slots);
        }
    }

    /** Stop postgres (fast) because this process may not run it (e.g. the cluster belongs to another system id). */
    record StopPostgres() implements Action {}

    /**
     * Added by the decider: log {@code reason} at CRITICAL and terminate the daemon with exit code 1, leaving postgres
     * and the DCS as they are (Patroni's {@code sys.exit(1)} / PatroniFatalException, e.g. system ID mismatch).
     */
    record FatalExit(String reason) implements Action {}

    /**
     * Added by the decider: rewrite the {@code failover} key to {@code {"member": candidate}} (CAS on {@code version}).
     * Patroni does this instead of clearing the key when a paused switchover's candidate took the lock, so that the
     * lock is not released while the promotion is still running.
     */
    record KeepFailoverCandidate(long version, String candidate) implements Action {}

    /**
     * Added by the decider: sleep until wall-clock time {@code wallClockMillis} (epoch ms, at most loop_wait ahead),
     * so that a scheduled switchover runs at its exact time (Patroni sleeps inside the cycle the same way).
     */
    record WaitUntil(long wallClockMillis) implements Action {}

    /**
     * Added by the decider: forget this node's scheduled restart (it ran, it is stale, its conditions did not match,
     * or postgres was restarted meanwhile), so the member key and {@code GET /patroni} stop showing it. Never fails.
     */
    record ClearScheduledRestart() implements Action {}

    /**
     * Synchronous replication writes, in order ({@link dev.regent.core.sync.SyncStep}): {@code /sync} with
     * compare-and-set (chained: each write on the version the previous one produced) and
     * {@code synchronous_standby_names} (config file, reload, wait until postgres reports it). Stops at the first that
     * fails; each step alone is safe. Never empty.
     */
    record ManageSync(java.util.List<dev.regent.core.sync.SyncStep> steps) implements Action {
        public ManageSync {
            steps = java.util.List.copyOf(steps);
        }
    }

    /**
     * Postgres, last run as primary under our lock, failed to start again and the lock is being given up: report the
     * role change, i.e. fire {@code on_role_change} with role {@code demoted} (Patroni's post_recover). Never fails.
     */
    record ReportDemoted() implements Action {}
}
