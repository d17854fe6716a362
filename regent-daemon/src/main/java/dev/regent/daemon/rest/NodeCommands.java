package dev.regent.daemon.rest;

import dev.regent.core.model.Tags;
import java.io.IOException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /restart}, {@code DELETE /restart}, {@code POST /reload}, {@code POST /reinitialize} (§3.10).
 * Thread-safe; an immediate restart blocks its worker thread until the loop finished it.
 */
final class NodeCommands {
    private final NodeControl control;
    private final Clock clock;

    NodeCommands(NodeControl control, Clock clock) {
        this.control = control;
        this.clock = clock;
    }

    void restart(Exchange ex, NodeStatus status) throws IOException {
        Map<String, Object> body = ex.readJsonObject(true);
        if (body.containsKey("schedule") && status.paused()) {
            throw HttpError.plain(500, "Can't schedule restart in the paused state");
        }
        RestartRequest request = parseRestart(body);
        if (request.schedule() != null) {
            if (control.scheduleRestart(request)) {
                ex.sendText(202, "Restart scheduled");
            } else {
                ex.sendText(409, "Another restart is already scheduled");
            }
            return;
        }
        int version = status.pg() == null ? 0 : status.pg().serverVersion();
        String mismatch = request.conditions().mismatchReason(StatusDocument.role(status), version,
                !status.pendingRestartReason().isEmpty());
        if (mismatch != null) {
            ex.sendText(503, "restart conditions are not satisfied");
            return;
        }
        NodeControl.RestartResult r = control.requestRestart(request);
        ex.sendText(r.ok() ? 200 : 503, r.message());
    }

    /** Validates the body keys in order, like Patroni: the first bad key decides the 400/422 answer. */
    RestartRequest parseRestart(Map<String, Object> body) {
        Boolean pending = null;
        String role = null;
        Integer version = null;
        Integer timeout = null;
        OffsetDateTime schedule = null;
        Map<String, Object> json = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : body.entrySet()) {
            Object v = e.getValue();
            switch (e.getKey()) {
                case "schedule" -> {
                    schedule = Schedules.parse(v, "restart", clock);
                    v = Schedules.isoFormat(schedule);
                }
                case "role" -> {
                    role = v == null ? null : v.toString();
                    if (!"primary".equals(role) && !"standby_leader".equals(role) && !"replica".equals(role)) {
                        throw HttpError.plain(400,
                                "PostgreSQL role should be either primary, standby_leader, or replica");
                    }
                }
                case "postgres_version" -> version = postgresVersionToInt(String.valueOf(v));
                case "timeout" -> {
                    timeout = parseSeconds(v);
                    if (timeout == null || timeout <= 0) {
                        throw HttpError.plain(400, "Timeout should be a positive number of seconds");
                    }
                    v = timeout;
                }
                case "restart_pending" -> pending = Tags.isTrue(v);
                default -> throw HttpError.plain(400, "Unknown filter for the scheduled restart: " + e.getKey());
            }
            json.put(e.getKey(), v);
        }
        return new RestartRequest(pending, role, version, timeout, schedule, json);
    }

    /** Patroni's {@code postgres_version_to_int}: {@code X.Y.Z} or (10+) {@code X.Y} -> e.g. 150004. */
    static int postgresVersionToInt(String v) {
        String[] parts = v.split("\\.");
        int[] c = new int[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) c[i] = Integer.parseInt(parts[i].trim());
        } catch (NumberFormatException e) {
            throw HttpError.plain(400, "Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: " + v);
        }
        if (c.length < 2 || c.length > 3 || (c.length == 2 && c[0] < 10)) {
            throw HttpError.plain(400, "Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: " + v);
        }
        return c.length == 2 ? c[0] * 10000 + c[1] : c[0] * 10000 + c[1] * 100 + c[2];
    }

    /** Seconds from a number or a string with an optional unit ({@code 30}, {@code "30s"}, {@code "2min"}). */
    private static Integer parseSeconds(Object v) {
        if (v instanceof Number n) return (int) Math.round(n.doubleValue());
        if (v == null) return null;
        String s = v.toString().trim();
        long mult = 1;
        if (s.endsWith("ms")) return null;
        if (s.endsWith("min")) {
            mult = 60;
            s = s.substring(0, s.length() - 3);
        } else if (s.endsWith("h")) {
            mult = 3600;
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("s")) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            return (int) Math.round(Double.parseDouble(s.trim()) * mult);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    void deleteRestart(Exchange ex) throws IOException {
        if (control.cancelScheduledRestart()) {
            ex.sendText(200, "scheduled restart deleted");
        } else {
            ex.sendText(404, "no restarts are scheduled");
        }
    }

    void reload(Exchange ex) throws IOException {
        ex.drain();
        control.requestReload();
        ex.sendText(202, "reload scheduled");
    }

    void reinitialize(Exchange ex) throws IOException {
        Map<String, Object> body = ex.readJsonObject(true);
        boolean force = Tags.isTrue(body.get("force"));
        boolean fromLeader = Tags.isTrue(body.get("from_leader"));
        String error = control.requestReinitialize(force, fromLeader);
        if (error == null) {
            ex.sendText(200, "reinitialize started");
        } else {
            ex.sendText(503, error);
        }
    }
}
