package dev.regent.daemon.rest;

import dev.regent.core.ha.RestartConditions;
import dev.regent.core.ha.ScheduledRestart;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A validated {@code POST /restart} body. Every filter is optional (null = not given).
 *
 * @param restartPending  restart only when PostgreSQL reports a pending restart
 * @param role            restart only when the node has this role ({@code primary}, {@code standby_leader},
 *                        {@code replica})
 * @param postgresVersion restart only when the running server version is lower than this (e.g. {@code 150005})
 * @param timeoutSeconds  start timeout overriding {@code primary_start_timeout}
 * @param schedule        when to restart, or null for now
 * @param json            the request as it is stored in the member key ({@code schedule} as ISO text)
 */
public record RestartRequest(Boolean restartPending, String role, Integer postgresVersion, Integer timeoutSeconds,
                             OffsetDateTime schedule, Map<String, Object> json) {

    public RestartRequest {
        json = json == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(json));
    }

    /** The request's filters (core's {@link RestartConditions}, shared with the scheduled restart). */
    public RestartConditions conditions() {
        return new RestartConditions(role, postgresVersion, Boolean.TRUE.equals(restartPending));
    }

    /**
     * The scheduled form of this request, for the HA loop; {@code postmasterStartTime} is the running postmaster's
     * start time now (null unknown), so that a restart happening meanwhile cancels it. Requires {@link #schedule()}.
     */
    public ScheduledRestart toScheduled(Instant postmasterStartTime) {
        RestartConditions c = conditions();
        return new ScheduledRestart(schedule, c.role(), c.postgresVersion(), c.restartPending(), timeoutSeconds,
                postmasterStartTime);
    }

    /** The member key's {@code scheduled_restart}: the request as received plus {@code postmaster_start_time}. */
    public Map<String, Object> published(Instant postmasterStartTime) {
        Map<String, Object> m = new LinkedHashMap<>(json);
        m.put("postmaster_start_time", StatusDocument.pythonTimestamp(postmasterStartTime));
        return m;
    }
}
