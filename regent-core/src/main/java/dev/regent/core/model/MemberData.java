package dev.regent.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The content of a {@code members/<name>} key (Patroni ha.py touch_member). Field names in comments are the JSON keys.
 * Optional values are null when absent. {@code extra} keeps unknown JSON fields verbatim.
 */
public record MemberData(
        String connUrl,            // conn_url
        String apiUrl,             // api_url
        String proxyUrl,           // proxy_url
        String state,              // state
        String role,               // role (primary, replica, standby_leader, demoted, uninitialized, promoted; legacy master)
        String version,            // version (Patroni/Regent version)
        Long xlogLocation,         // xlog_location
        Long receiveLsn,           // receive_lsn
        Long replayLsn,            // replay_lsn
        String replicationState,   // replication_state
        Integer timeline,          // timeline
        Map<String, Object> tags,  // tags
        Boolean pendingRestart,    // pending_restart
        Map<String, Object> pendingRestartReason, // pending_restart_reason
        Map<String, Object> scheduledRestart,     // scheduled_restart
        Boolean checkpointAfterPromote,           // checkpoint_after_promote
        boolean pause,             // pause
        Map<String, Object> extra) {

    public static final MemberData EMPTY = new MemberData(null, null, null, null, null, null, null, null, null, null,
            null, Map.of(), null, null, null, null, false, Map.of());

    public MemberData {
        tags = tags == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(tags));
        extra = extra == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /** Role with the pre-4.0 name {@code master} read as {@code primary}. */
    public String normalizedRole() {
        return "master".equals(role) ? "primary" : role;
    }
}
