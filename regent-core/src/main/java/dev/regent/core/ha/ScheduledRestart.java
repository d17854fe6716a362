package dev.regent.core.ha;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * A restart requested with {@code POST /restart {"schedule": ...}} and kept by this node (Patroni's
 * {@code patroni.scheduled_restart}) until the HA loop ran it, found it stale, or {@code DELETE /restart} dropped it.
 * Its filters are evaluated when it is due, not when it was requested. Immutable.
 *
 * @param schedule            when to restart (with the offset the client gave, echoed in messages)
 * @param role                restart only when the node has this role ({@code primary}, {@code standby_leader},
 *                            {@code replica}); null = any
 * @param postgresVersion     restart only when the running server_version_num is lower; null = any
 * @param restartPending      restart only when PostgreSQL reports a pending restart
 * @param timeoutSeconds      start timeout for this restart (overrides primary_start_timeout); null = default
 * @param postmasterStartTime pg_postmaster_start_time() when the request was accepted; a different start time at
 *                            execution means postgres was restarted meanwhile and the request is dropped; null unknown
 */
public record ScheduledRestart(OffsetDateTime schedule, String role, Integer postgresVersion, boolean restartPending,
                               Integer timeoutSeconds, Instant postmasterStartTime) {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");
    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx");

    public ScheduledRestart {
        Objects.requireNonNull(schedule, "schedule");
    }

    /** The request's filters, evaluated when it is due. */
    public RestartConditions conditions() {
        return new RestartConditions(role, postgresVersion, restartPending);
    }

    /** Python's {@code datetime.isoformat()} of {@link #schedule}, as Patroni prints and stores it. */
    public String scheduleIso() {
        OffsetDateTime t = schedule.truncatedTo(ChronoUnit.MICROS);
        return (t.getNano() == 0 ? SECONDS : MICROS).format(t);
    }
}
