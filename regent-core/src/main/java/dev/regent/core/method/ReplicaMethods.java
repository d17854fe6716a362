package dev.regent.core.method;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replica creation methods as Patroni runs them (§6.3, {@code Bootstrap.create_replica}): which methods, in which
 * order, with which arguments, and what happens to the data directory around each. The shell runs the steps in
 * order until one exits 0. Pure.
 *
 * <p>A custom method {@code m} runs {@code postgresql.m.command} (the method name when the section has none) with
 * the section's other keys as {@code --key=value} in their YAML order, then {@code --scope}, {@code --role=replica},
 * {@code --datadir} and {@code --connstring} (a key the section already has keeps its place and takes the value);
 * with {@code no_params} only the section's own keys, minus {@code no_params}, {@code no_leader}, {@code no_master}
 * and {@code keep_data}. Values are formatted by Python's {@code str()}, so {@code keep_data: true} is passed as
 * {@code --keep_data=True}, exactly as Patroni passes it.
 */
public final class ReplicaMethods {
    /** The built-in method. */
    public static final String BASEBACKUP = "basebackup";

    private ReplicaMethods() {}

    /** One method to try. */
    public sealed interface Step {
        /** The method's name as configured. */
        String method();
    }

    /** The built-in pg_basebackup (two attempts, the data directory wiped before each and after a last failure). */
    public record Basebackup() implements Step {
        @Override
        public String method() {
            return BASEBACKUP;
        }
    }

    /**
     * A custom method.
     *
     * @param method           its name
     * @param command          the command line, to be split by shell rules; {@code params} are appended
     * @param params           {@code --key=value} arguments
     * @param keepData         {@code keep_data}: a non-empty data directory is left as it is before the command
     * @param wipeAfterFailure remove the data directory when the command failed (Patroni 4 does unless
     *                         {@code keep_data}; with {@code no_params} it has dropped {@code keep_data} by then, so
     *                         it wipes)
     */
    public record Custom(String method, String command, List<String> params, boolean keepData,
                         boolean wipeAfterFailure) implements Step {
        public Custom {
            params = List.copyOf(params);
        }
    }

    /**
     * Patroni's {@code create_replica_methods} property: the plural key, else the legacy singular
     * {@code create_replica_method} (Debian's template uses it), else {@code [basebackup]}; an empty list counts as
     * absent, as Python's {@code or} does.
     */
    public static List<String> configured(List<String> plural, List<String> legacySingular) {
        if (plural != null && !plural.isEmpty()) {
            return List.copyOf(plural);
        }
        if (legacySingular != null && !legacySingular.isEmpty()) {
            return List.copyOf(legacySingular);
        }
        return List.of(BASEBACKUP);
    }

    /** A method that may run with no member to clone from: not basebackup, and {@code no_leader} (or the old name
     * {@code no_master}) is true in Python's sense. */
    public static boolean worksWithoutLeader(String method, Map<String, Object> section) {
        if (BASEBACKUP.equals(method) || section == null) {
            return false;
        }
        return PythonValues.truthy(section.get("no_leader")) || PythonValues.truthy(section.get("no_master"));
    }

    /** Whether any of {@code methods} works without a leader (Patroni's can_create_replica_without_replication…). */
    public static boolean canCreateWithoutLeader(List<String> methods, Map<String, Map<String, Object>> sections) {
        return methods.stream().anyMatch(m -> worksWithoutLeader(m, sections.get(m)));
    }

    /**
     * The steps to try, in order.
     *
     * @param methods    the configured methods ({@link #configured})
     * @param sections   {@code postgresql.<method>} sections by method name (absent: none)
     * @param scope      the cluster name
     * @param dataDir    the data directory
     * @param connstring the replication DSN of the member to clone from; null or empty when there is none, and then
     *                   only the methods that work without a leader remain
     * @param fromLeader {@code reinit --from-leader}: basebackup alone, whatever is configured
     */
    public static List<Step> plan(List<String> methods, Map<String, Map<String, Object>> sections, String scope,
                                  String dataDir, String connstring, boolean fromLeader) {
        List<String> names = fromLeader ? List.of(BASEBACKUP) : methods;
        boolean noSource = connstring == null || connstring.isEmpty();
        List<Step> out = new ArrayList<>();
        for (String m : names) {
            Map<String, Object> section = sections.get(m);
            if (noSource && !worksWithoutLeader(m, section)) {
                continue;
            }
            out.add(BASEBACKUP.equals(m) ? new Basebackup()
                    : custom(m, section, scope, dataDir, noSource ? "" : connstring));
        }
        return out;
    }

    static Custom custom(String method, Map<String, Object> section, String scope, String dataDir,
                         String connstring) {
        Map<String, Object> options = new LinkedHashMap<>(section == null ? Map.of() : section);
        boolean keepData = PythonValues.truthy(options.get("keep_data"));
        String command = method;
        if (options.containsKey("command")) {
            command = PythonValues.str(options.remove("command"));
        }
        boolean noParams = PythonValues.truthy(options.get("no_params"));
        if (noParams) {
            for (String flag : List.of("no_params", "no_leader", "no_master", "keep_data")) {
                options.remove(flag);
            }
        } else {
            options.put("scope", scope);
            options.put("role", "replica");
            options.put("datadir", dataDir);
            options.put("connstring", connstring);
        }
        List<String> params = new ArrayList<>();
        options.forEach((k, v) -> params.add("--" + k + "=" + PythonValues.str(v)));
        boolean wipeAfterFailure = !PythonValues.truthy(options.get("keep_data"));
        return new Custom(method, command, params, keepData, wipeAfterFailure);
    }
}
