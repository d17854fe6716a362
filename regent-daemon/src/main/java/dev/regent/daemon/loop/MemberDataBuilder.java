package dev.regent.daemon.loop;

import dev.regent.core.config.FastFailover;
import dev.regent.core.model.ClusterView;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.model.MemberData;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds this node's {@code members/<name>} value (Patroni's touch_member) from the local observation.
 *
 * @param connUrl  {@code postgres://connect_address/database}
 * @param apiUrl   {@code http://restapi.connect_address/patroni}
 * @param version  version string published (Patroni-compatible, see Versions)
 * @param proxyUrl {@code postgres://proxy_address/database} when {@code postgresql.proxy_address} is set, else null
 * @param regentVersion Regent's own version, published as {@link FastFailover#MEMBER_MARKER}: the field tells Regent
 *                 members from Patroni ones (Patroni neither writes nor reads it)
 */
public record MemberDataBuilder(String connUrl, String apiUrl, String version, String proxyUrl, String regentVersion) {
    public MemberDataBuilder {
        regentVersion = regentVersion == null ? "unknown" : regentVersion;
    }

    /** With Regent's version from the build. */
    public MemberDataBuilder(String connUrl, String apiUrl, String version, String proxyUrl) {
        this(connUrl, apiUrl, version, proxyUrl, dev.regent.daemon.Versions.regent());
    }

    /** Without a proxy_url. */
    public MemberDataBuilder(String connUrl, String apiUrl, String version) {
        this(connUrl, apiUrl, version, null);
    }

    /** Patroni's state string for the member key and {@code GET /patroni}. */
    public static String state(LocalPostgres local, String backgroundTask) {
        return state(local, backgroundTask, false);
    }

    /**
     * Patroni's state string; in pause a postgres that is not running is {@code stopped} (Patroni sets that state
     * instead of {@code crashed}, as it will not recover it).
     */
    public static String state(LocalPostgres local, String backgroundTask, boolean paused) {
        if (backgroundTask != null) {
            return switch (backgroundTask) {
                case "bootstrap" -> "initializing new cluster";
                // a custom bootstrap's phases (Patroni's _custom_bootstrap sets them as the postgres state)
                case "running custom bootstrap script", "starting after custom bootstrap" -> backgroundTask;
                case "creating replica", "reinitialize" -> "creating replica";
                case "starting", "demote" -> "starting";
                case "restart" -> "restarting";
                case "rewind" -> "running pg_rewind";
                default -> local.isRunning() ? "running" : "stopped";
            };
        }
        return switch (local.process()) {
            case RUNNING -> "running";
            case STARTING -> "starting";
            case STOPPED -> local.dataDirEmpty() || paused ? "stopped"
                    : "in production".equals(local.controlState()) ? "crashed" : "stopped";
        };
    }

    /** Patroni's role string: primary, replica, or uninitialized when there is no data. */
    public static String role(LocalPostgres local) {
        if (local.dataDirEmpty()) return "uninitialized";
        if (local.isPrimary()) return "primary";
        if (local.isReplica()) return "replica";
        return local.wasPrimaryWhenStopped() ? "primary" : "replica";
    }

    public MemberData build(LocalPostgres local, String backgroundTask, Map<String, Object> tags, boolean paused) {
        return build(local, backgroundTask, tags, paused, null);
    }

    /**
     * The member value. {@code pending_restart} and {@code pending_restart_reason} come from the observation (present
     * only when a restart is pending); {@code scheduledRestart} is the published scheduled restart, or null.
     */
    public MemberData build(LocalPostgres local, String backgroundTask, Map<String, Object> tags, boolean paused,
                            Map<String, Object> scheduledRestart) {
        return build(local, backgroundTask, tags, paused, scheduledRestart, false);
    }

    /**
     * Patroni's role of the lock holder of a standby cluster: {@code standby_leader} while its postgres is not a
     * primary (a primary there is about to be demoted), else {@link #role(LocalPostgres)}.
     */
    public static String role(LocalPostgres local, boolean standbyLeader) {
        if (standbyLeader && !local.dataDirEmpty() && !local.isPrimary()
                && !(local.process() == LocalPostgres.ProcessState.STOPPED && local.wasPrimaryWhenStopped())) {
            return "standby_leader";
        }
        return role(local);
    }

    /** This node holds the lock of a standby cluster (its role is {@code standby_leader}, see {@link #role}). */
    public static boolean standbyLeader(ClusterView cluster, String name) {
        return cluster != null && cluster.isLeader(name) && cluster.configOrEmpty().standbyCluster() != null;
    }

    /** The member value, with the standby leader's role when {@code standbyLeader}. */
    public MemberData build(LocalPostgres local, String backgroundTask, Map<String, Object> tags, boolean paused,
                            Map<String, Object> scheduledRestart, boolean standbyLeader) {
        boolean replica = local.isReplica();
        Long xlog = local.isRunning() && local.walPosition() > 0 ? local.walPosition() : null;
        boolean pending = local.pendingRestart();
        return new MemberData(connUrl, apiUrl, proxyUrl, state(local, backgroundTask, paused), role(local, standbyLeader), version, xlog,
                replica ? local.receiveLsn() : null, replica ? local.replayLsn() : null,
                replica ? local.replicationState() : null, local.timeline() > 0 ? local.timeline() : null,
                tags, pending ? Boolean.TRUE : null, pending ? new LinkedHashMap<>(local.pendingRestartReason()) : null,
                scheduledRestart, null, paused, Map.of(FastFailover.MEMBER_MARKER, regentVersion));
    }
}
