package dev.regent.core.method;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A custom bootstrap method ({@code bootstrap.method: <name>} with a {@code bootstrap.<name>} section, §6.4), as
 * Patroni 4 runs it: {@code <command> --scope=<scope> --datadir=<data_dir>} (both left out with {@code no_params}),
 * then every other key of the section as {@code --key=value} in YAML order, except the reserved ones. Pure.
 *
 * @param method                   the method's name
 * @param command                  {@code command}, to be split by shell rules
 * @param params                   the arguments appended to it
 * @param keepExistingRecoveryConf {@code keep_existing_recovery_conf}: the recovery settings and signal files the
 *                                 tool wrote (pgBackRest, Barman) are left in place
 * @param recoveryConf             {@code recovery_conf} (PITR settings Regent writes), or null
 */
public record CustomBootstrap(String method, String command, List<String> params, boolean keepExistingRecoveryConf,
                              Map<String, Object> recoveryConf) {
    /** Keys Patroni never passes as arguments. */
    static final Set<String> RESERVED = Set.of("command", "no_params", "keep_existing_recovery_conf", "recovery_conf",
            "scope", "datadir");

    public CustomBootstrap {
        params = List.copyOf(params);
    }

    /**
     * The method {@code bootstrap.method} names, or null for initdb: Patroni runs a custom method only when its
     * section exists and has a {@code command} (validation refuses the other cases).
     */
    public static CustomBootstrap of(String method, Map<String, Object> section, String scope, String dataDir) {
        if (method == null || method.equals("initdb") || section == null || !section.containsKey("command")) {
            return null;
        }
        List<String> params = new ArrayList<>();
        if (!PythonValues.truthy(section.get("no_params"))) {
            params.add("--scope=" + scope);
            params.add("--datadir=" + dataDir);
        }
        section.forEach((k, v) -> {
            if (!RESERVED.contains(k)) {
                params.add("--" + k + "=" + PythonValues.str(v));
            }
        });
        @SuppressWarnings("unchecked")
        Map<String, Object> recovery = section.get("recovery_conf") instanceof Map<?, ?> m
                ? (Map<String, Object>) m : null;
        return new CustomBootstrap(method, PythonValues.str(section.get("command")), params,
                PythonValues.truthy(section.get("keep_existing_recovery_conf")), recovery);
    }

    /**
     * Patroni's rule for hot_standby during the bootstrap recovery: off when the tool's own recovery settings are
     * kept (trusting pgBackRest to do the right thing), or when the recovery ends in a promotion
     * ({@code recovery_target_action: promote}, or {@code pause_at_recovery_target: false}): raised
     * max_connections-like settings of the backup would otherwise stop a hot standby.
     */
    public boolean hotStandbyOff() {
        if (keepExistingRecoveryConf) {
            return true;
        }
        if (recoveryConf == null || recoveryConf.isEmpty()) {
            return false;
        }
        Object pause = recoveryConf.get("pause_at_recovery_target");
        Object action = recoveryConf.get("recovery_target_action");
        String effective = action != null ? PythonValues.str(action)
                : pause != null && isFalse(pause) ? "promote" : "pause";
        return effective.equals("promote");
    }

    private static boolean isFalse(Object v) {
        String s = PythonValues.str(v).toLowerCase(java.util.Locale.ROOT);
        return v.equals(Boolean.FALSE) || s.equals("false") || s.equals("off") || s.equals("no") || s.equals("0");
    }
}
