package dev.regent.core.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * PostgreSQL parameters that Patroni controls ({@code CMDLINE_OPTIONS}, spec §1.13): their defaults and validators.
 * They are ignored in the local {@code postgresql.parameters}; in the dynamic configuration an invalid value falls
 * back to the default. Stateless and thread-safe.
 */
public final class ProtectedParameters {
    private ProtectedParameters() {}

    private record Spec(Object dflt, Predicate<Object> valid) {}

    private static final Map<String, Spec> SPECS = new LinkedHashMap<>();

    static {
        // Never settable: derived from postgresql.listen and scope.
        SPECS.put("listen_addresses", new Spec(null, v -> false));
        SPECS.put("port", new Spec(null, v -> false));
        SPECS.put("cluster_name", new Spec(null, v -> false));
        SPECS.put("wal_level", new Spec("hot_standby", v -> oneOf(v, "hot_standby", "replica", "logical")));
        SPECS.put("hot_standby", new Spec("on", v -> Boolean.TRUE.equals(PatroniValues.parseBool(v))));
        SPECS.put("max_connections", new Spec(100L, v -> atLeast(v, 25)));
        SPECS.put("max_wal_senders", new Spec(10L, v -> atLeast(v, 3)));
        SPECS.put("wal_keep_segments", new Spec(8L, v -> atLeast(v, 1)));
        SPECS.put("wal_keep_size", new Spec("128MB", ProtectedParameters::walKeepSizeValid));
        SPECS.put("max_prepared_transactions", new Spec(0L, v -> atLeast(v, 0)));
        SPECS.put("max_locks_per_transaction", new Spec(64L, v -> atLeast(v, 32)));
        SPECS.put("track_commit_timestamp", new Spec("off", v -> PatroniValues.parseBool(v) != null));
        SPECS.put("max_replication_slots", new Spec(10L, v -> atLeast(v, 4)));
        SPECS.put("max_worker_processes", new Spec(8L, v -> atLeast(v, 2)));
        SPECS.put("wal_log_hints", new Spec("on", v -> PatroniValues.parseBool(v) != null));
    }

    /** True if {@code name} (case-insensitive) is controlled by Patroni. */
    public static boolean isProtected(String name) {
        return SPECS.containsKey(name.toLowerCase(Locale.ROOT));
    }

    /** True if {@code value} is acceptable for protected parameter {@code name} in the dynamic configuration. */
    public static boolean isValid(String name, Object value) {
        Spec s = SPECS.get(name.toLowerCase(Locale.ROOT));
        return s != null && s.valid.test(value);
    }

    /** The default of a protected parameter, or null if it has none (listen_addresses, port, cluster_name). */
    public static Object defaultValue(String name) {
        Spec s = SPECS.get(name.toLowerCase(Locale.ROOT));
        return s == null ? null : s.dflt;
    }

    /**
     * The defaults that go into the effective parameters when nothing overrides them (Patroni's default dynamic
     * config: every protected GUC with a default, except {@code wal_keep_*} which depend on the server version).
     */
    public static Map<String, Object> defaults() {
        Map<String, Object> out = new LinkedHashMap<>();
        SPECS.forEach((k, s) -> {
            if (s.dflt != null && !k.startsWith("wal_keep_")) {
                out.put(k, s.dflt);
            }
        });
        return out;
    }

    private static boolean oneOf(Object v, String... allowed) {
        String s = String.valueOf(v).toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(s)) {
                return true;
            }
        }
        return false;
    }

    private static boolean atLeast(Object v, long min) {
        Long n = v instanceof Boolean ? null : PatroniValues.parseInt(v);
        return n != null && n >= min;
    }

    /** {@code wal_keep_size} is in MB when unit-less; at least 16MB. */
    private static boolean walKeepSizeValid(Object v) {
        String s = String.valueOf(v).trim().toUpperCase(Locale.ROOT);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*(KB|MB|GB|TB)?").matcher(s);
        if (!m.matches()) {
            return false;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "MB" : m.group(2);
        long mb = switch (unit) {
            case "KB" -> n / 1024;
            case "GB" -> n * 1024;
            case "TB" -> n * 1024 * 1024;
            default -> n;
        };
        return mb >= 16;
    }
}
