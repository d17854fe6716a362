package dev.regent.daemon.loop;

import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.model.MemberData;
import java.util.Map;

/**
 * Builds this node's {@code members/<name>} value (Patroni's touch_member) from the local observation.
 *
 * @param connUrl  {@code postgres://connect_address/database}
 * @param apiUrl   {@code http://restapi.connect_address/patroni}
 * @param version  version string published (Patroni-compatible, see Versions)
 */
public record MemberDataBuilder(String connUrl, String apiUrl, String version) {

    /** Patroni's state string for the member key and {@code GET /patroni}. */
    public static String state(LocalPostgres local, String backgroundTask) {
        if (backgroundTask != null) {
            return switch (backgroundTask) {
                case "bootstrap" -> "initializing new cluster";
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
            case STOPPED -> local.dataDirEmpty() ? "stopped"
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
        boolean replica = local.isReplica();
        Long xlog = local.isRunning() && local.walPosition() > 0 ? local.walPosition() : null;
        return new MemberData(connUrl, apiUrl, null, state(local, backgroundTask), role(local), version, xlog,
                replica ? local.receiveLsn() : null, replica ? local.replayLsn() : null,
                replica ? local.replicationState() : null, local.timeline() > 0 ? local.timeline() : null,
                tags, null, null, null, null, paused, Map.of());
    }
}
