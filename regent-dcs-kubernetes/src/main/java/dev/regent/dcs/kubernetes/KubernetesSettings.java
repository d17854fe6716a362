package dev.regent.dcs.kubernetes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code kubernetes:} section with Patroni's defaults (patroni-interfaces.md section 1.7). Immutable.
 *
 * @param namespace               Kubernetes namespace of every object ({@code default})
 * @param labels                  labels put on every object and used as the selector (required)
 * @param scopeLabel              label whose value is the scope ({@code cluster-name})
 * @param roleLabel               Pod label carrying the role ({@code role})
 * @param leaderLabelValue        role label value of the primary ({@code primary})
 * @param followerLabelValue      role label value of a running replica ({@code replica})
 * @param standbyLeaderLabelValue role label value of a standby leader ({@code primary})
 * @param tmpRoleLabel            extra label carrying Patroni's own role names, or null
 * @param bootstrapLabels         labels present on the Pod only while it bootstraps or creates a replica
 * @param useEndpoints            Endpoints instead of ConfigMaps
 * @param podIp                   this Pod's IP for the leader Endpoints' subsets, or null (then the Pod's status)
 * @param ports                   ports of the leader Endpoints' subsets ({@code [{port: 5432}]})
 * @param bypassApiService        send requests to the API servers' own addresses, read from the {@code kubernetes}
 *                                Endpoints of namespace {@code default}, rather than to the Service (see
 *                                {@code ApiServers})
 * @param cacert                  CA of the API server in a Pod ({@code PATRONI_KUBERNETES_CACERT} wins), or null
 * @param retriableHttpCodes      HTTP codes retried within retry_timeout (500, 503, 504 plus the configured ones)
 * @param context                 kubeconfig context, or null (then {@code kind-kind} when present, as Patroni, else
 *                                the current context)
 */
public record KubernetesSettings(String namespace, Map<String, String> labels, String scopeLabel, String roleLabel,
                                 String leaderLabelValue, String followerLabelValue, String standbyLeaderLabelValue,
                                 String tmpRoleLabel, Map<String, String> bootstrapLabels, boolean useEndpoints,
                                 String podIp, List<Map<String, Object>> ports, boolean bypassApiService,
                                 String cacert, Set<Integer> retriableHttpCodes, String context) {
    static final String SECTION = "kubernetes";

    public KubernetesSettings {
        labels = Map.copyOf(labels);
        bootstrapLabels = Map.copyOf(bootstrapLabels);
        ports = List.copyOf(ports);
        retriableHttpCodes = Set.copyOf(retriableHttpCodes);
    }

    /** Reads the section; a missing or mistyped required key is an {@link IllegalArgumentException} naming it. */
    public static KubernetesSettings fromMap(Map<String, Object> s) {
        Object labels = s.get("labels");
        if (!(labels instanceof Map<?, ?> m) || m.isEmpty()) {
            throw new IllegalArgumentException(SECTION + ".labels: required, a map of label names to values");
        }
        List<Map<String, Object>> ports = new ArrayList<>();
        Object p = s.get("ports");
        if (p instanceof List<?> list) {
            for (Object o : list) {
                if (!(o instanceof Map<?, ?> pm)) {
                    throw new IllegalArgumentException(SECTION + ".ports: each entry must be a {name, port} mapping");
                }
                Map<String, Object> port = new LinkedHashMap<>();
                Object number = pm.get("port");
                port.put("port", number == null ? 5432 : Integer.parseInt(number.toString().strip()));
                for (String k : List.of("name", "protocol")) {
                    if (pm.get(k) != null && !pm.get(k).toString().isEmpty()) port.put(k, pm.get(k).toString());
                }
                ports.add(port);
            }
        } else if (p != null) {
            throw new IllegalArgumentException(SECTION + ".ports: must be a list of {name, port} mappings");
        }
        if (ports.isEmpty()) ports.add(Map.of("port", 5432));
        Set<Integer> codes = new LinkedHashSet<>(List.of(500, 503, 504));
        Object rc = s.get("retriable_http_codes");
        if (rc != null) {
            List<?> items = rc instanceof List<?> l ? l : List.of(rc.toString().split(","));
            for (Object c : items) {
                try {
                    codes.add(Integer.parseInt(c.toString().strip()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(SECTION + ".retriable_http_codes: '" + c
                            + "' is not an integer");
                }
            }
        }
        return new KubernetesSettings(text(s, "namespace", "default"), strings(labels), text(s, "scope_label",
                "cluster-name"), text(s, "role_label", "role"), text(s, "leader_label_value", "primary"),
                text(s, "follower_label_value", "replica"), text(s, "standby_leader_label_value", "primary"),
                text(s, "tmp_role_label", null), s.get("bootstrap_labels") == null ? Map.of()
                : strings(s.get("bootstrap_labels")), bool(s.get("use_endpoints")), text(s, "pod_ip", null), ports,
                bool(s.get("bypass_api_service")), text(s, "cacert", null), codes, text(s, "context", null));
    }

    /** The labels of every object: {@link #labels} plus {@code <scope_label>: <scope>}. */
    public Map<String, String> labelsFor(String scope) {
        Map<String, String> all = new LinkedHashMap<>(labels);
        all.put(scopeLabel, scope);
        return all;
    }

    /** The label selector {@code k=v,k=v} of {@link #labelsFor}. */
    public String selectorFor(String scope) {
        StringBuilder sb = new StringBuilder();
        labelsFor(scope).forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }

    private static String text(Map<String, Object> s, String key, String dflt) {
        Object v = s.get(key);
        return v == null || v.toString().isEmpty() ? dflt : v.toString();
    }

    private static boolean bool(Object v) {
        return v != null && List.of("true", "yes", "on", "1").contains(v.toString().strip().toLowerCase());
    }

    private static Map<String, String> strings(Object o) {
        if (!(o instanceof Map<?, ?> m)) throw new IllegalArgumentException(SECTION + ": expected a map, got " + o);
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k.toString(), v == null ? "" : v.toString()));
        return out;
    }
}
