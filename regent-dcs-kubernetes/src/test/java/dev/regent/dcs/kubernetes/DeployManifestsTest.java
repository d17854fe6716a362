package dev.regent.dcs.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * deploy/kubernetes/ parses and agrees with what the store does: the Pods carry the labels the store selects on,
 * Services select on the role label values it writes, the Role grants every verb it uses, and the variables the
 * StatefulSet sets are the {@code kubernetes:} keys the store reads.
 */
class DeployManifestsTest {
    private static final Path DIR = Path.of("..", "deploy", "kubernetes");

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> load(String file) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        for (Object o : yaml.loadAll(Files.readString(DIR.resolve(file)))) {
            if (o != null) docs.add((Map<String, Object>) o);
        }
        return docs;
    }

    private static Map<String, Object> kind(List<Map<String, Object>> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.get("kind"))).findFirst().orElseThrow(() ->
                new AssertionError("no " + kind));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> at(Map<String, Object> m, String... path) {
        Map<String, Object> cur = m;
        for (String p : path) cur = (Map<String, Object>) cur.get(p);
        return cur;
    }

    @Test
    void theStatefulSetsPodsCarryTheSelectorLabelsAndTheKubernetesSettings() throws Exception {
        Map<String, Object> sts = kind(load("statefulset.yaml"), "StatefulSet");
        assertThat(sts.get("apiVersion")).isEqualTo("apps/v1");
        Map<String, Object> template = at(sts, "spec", "template");
        Map<String, Object> podLabels = at(template, "metadata", "labels");
        @SuppressWarnings("unchecked")
        Map<String, Object> container = ((List<Map<String, Object>>) at(template, "spec").get("containers")).get(0);
        Map<String, String> env = new java.util.HashMap<>();
        for (Object e : (List<?>) container.get("env")) {
            Map<?, ?> m = (Map<?, ?>) e;
            env.put(m.get("name").toString(), m.get("value") == null ? "<from>" : m.get("value").toString());
        }
        String scope = env.get("PATRONI_SCOPE");
        @SuppressWarnings("unchecked")
        Map<String, Object> labels = (Map<String, Object>) new Yaml().load(env.get("PATRONI_KUBERNETES_LABELS"));
        KubernetesSettings settings = KubernetesSettings.fromMap(Map.of("labels", labels));
        // the store's selector (labels + scope label) must match the Pods, or members would be invisible
        assertThat(podLabels).containsAllEntriesOf(settings.labelsFor(scope));
        assertThat(at(sts, "spec", "selector", "matchLabels")).isEqualTo(podLabels);
        assertThat(env).containsKeys("PATRONI_NAME", "PATRONI_KUBERNETES_POD_IP", "PATRONI_KUBERNETES_NAMESPACE");
        assertThat(template.get("spec")).asString().contains("serviceAccountName=regent");
        assertThat(container.get("image")).isEqualTo("regent:0.1.0");
    }

    @Test
    void servicesSelectOnTheRoleLabelValuesTheStoreWrites() throws Exception {
        KubernetesSettings defaults = KubernetesSettings.fromMap(Map.of("labels", Map.of("application", "patroni")));
        List<Map<String, Object>> services = load("services.yaml");
        assertThat(services).extracting(s -> s.get("kind")).containsOnly("Service");
        Map<String, Object> primary = services.get(0);
        assertThat(at(primary, "spec", "selector")).containsEntry(defaults.roleLabel(), defaults.leaderLabelValue())
                .containsEntry(defaults.scopeLabel(), "regent-demo");
        assertThat(at(services.get(1), "spec", "selector")).containsEntry(defaults.roleLabel(),
                defaults.followerLabelValue());
        // Endpoints mode: the primary Service has no selector and the name of the leader Endpoints (= the scope)
        Map<String, Object> endpointsPrimary = load("services-endpoints.yaml").get(0);
        assertThat(at(endpointsPrimary, "spec")).doesNotContainKey("selector");
        assertThat(at(endpointsPrimary, "metadata").get("name")).isEqualTo("regent-demo");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theRoleGrantsWhatTheStoreDoesInBothModes() throws Exception {
        List<Map<String, Object>> rbac = load("rbac.yaml");
        assertThat(rbac).extracting(d -> d.get("kind")).containsExactly("ServiceAccount", "Role", "RoleBinding");
        Map<String, List<String>> verbs = new java.util.HashMap<>();
        for (Map<String, Object> rule : (List<Map<String, Object>>) kind(rbac, "Role").get("rules")) {
            for (Object r : (List<?>) rule.get("resources")) verbs.put(r.toString(), (List<String>) rule.get("verbs"));
        }
        for (String kind : List.of("configmaps", "endpoints")) {
            assertThat(verbs.get(kind)).as(kind)
                    .contains("get", "list", "watch", "create", "patch", "deletecollection");
        }
        assertThat(verbs.get("pods")).contains("get", "list", "watch", "patch");
        assertThat(verbs.get("services")).contains("create");
        assertThat(at(kind(rbac, "RoleBinding"), "roleRef").get("name")).isEqualTo("regent");
    }
}
