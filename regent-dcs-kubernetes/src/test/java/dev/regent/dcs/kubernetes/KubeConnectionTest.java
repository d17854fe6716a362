package dev.regent.dcs.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.testkit.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** In a Pod (service account) or from a kubeconfig, as Patroni finds its API server. */
class KubeConnectionTest {
    private static final KubernetesSettings SETTINGS = KubernetesSettings.fromMap(Map.of("labels",
            Map.of("application", "patroni")));

    @TempDir
    Path dir;

    @Test
    void inAPodTheServiceAccountTokenAndCaAreUsed() throws Exception {
        TestPki pki = TestPki.create(Files.createDirectories(dir.resolve("pki")));
        Path sa = Files.createDirectories(dir.resolve("sa"));
        Files.copy(pki.ca(), sa.resolve("ca.crt"));
        Files.writeString(sa.resolve("token"), "abc.def\n");
        KubeConnection c = KubeConnection.resolve(SETTINGS, Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1",
                "KUBERNETES_SERVICE_PORT", "443"), dir, sa);
        assertThat(c.server()).hasToString("https://10.96.0.1:443");
        assertThat(c.authorization().get()).isEqualTo("Bearer abc.def");
        assertThat(c.ssl()).isNotNull();
        assertThat(c.source()).contains("in-cluster");
    }

    @Test
    void outsideAPodTheKubeconfigContextIsUsedWithTokenOrClientCertificate() throws Exception {
        TestPki pki = TestPki.create(Files.createDirectories(dir.resolve("pki")));
        String caData = Base64.getEncoder().encodeToString(Files.readAllBytes(pki.ca()));
        Path kubeconfig = dir.resolve("config");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                current-context: prod
                clusters:
                - name: prod
                  cluster: {server: "https://k8s.example:6443/", certificate-authority-data: "%s"}
                - name: local
                  cluster: {server: "http://127.0.0.1:8080"}
                contexts:
                - name: prod
                  context: {cluster: prod, user: admin}
                - name: dev
                  context: {cluster: local, user: dev}
                users:
                - name: admin
                  user: {client-certificate: "%s", client-key: "%s"}
                - name: dev
                  user: {token: s3cret}
                """.formatted(caData, pki.clientCert(), pki.clientKey()));
        KubeConnection prod = KubeConnection.resolve(SETTINGS, Map.of("KUBECONFIG", kubeconfig.toString()), dir, dir);
        assertThat(prod.server()).hasToString("https://k8s.example:6443");
        assertThat(prod.ssl()).isNotNull();
        assertThat(prod.authorization()).isNull();
        KubernetesSettings dev = KubernetesSettings.fromMap(Map.of("labels", Map.of("a", "b"), "context", "dev"));
        KubeConnection c = KubeConnection.resolve(dev, Map.of("KUBECONFIG", kubeconfig.toString()), dir, dir);
        assertThat(c.server()).hasToString("http://127.0.0.1:8080");
        assertThat(c.authorization().get()).isEqualTo("Bearer s3cret");
        KubernetesSettings missing = KubernetesSettings.fromMap(Map.of("labels", Map.of("a", "b"), "context", "x"));
        assertThatThrownBy(() -> KubeConnection.resolve(missing, Map.of("KUBECONFIG", kubeconfig.toString()), dir,
                dir)).hasMessageContaining("no context 'x' (kubernetes.context)");
    }

    @Test
    void withNeitherTheErrorSaysWhatWasLookedAt() {
        assertThatThrownBy(() -> KubeConnection.resolve(SETTINGS, Map.of(), dir, dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set")
                .hasMessageContaining(dir.resolve(".kube/config").toString());
    }

    @Test
    void settingsHavePatronisDefaults() {
        assertThat(SETTINGS.namespace()).isEqualTo("default");
        assertThat(SETTINGS.selectorFor("batman")).isEqualTo("application=patroni,cluster-name=batman");
        assertThat(SETTINGS.leaderLabelValue()).isEqualTo("primary");
        assertThat(SETTINGS.followerLabelValue()).isEqualTo("replica");
        assertThat(SETTINGS.ports()).containsExactly(Map.of("port", 5432));
        assertThat(SETTINGS.retriableHttpCodes()).containsExactlyInAnyOrder(500, 503, 504);
        assertThat(KubernetesSettings.fromMap(Map.of("labels", Map.of("a", "b"), "retriable_http_codes", "401, 429"))
                .retriableHttpCodes()).contains(401, 429, 500);
        assertThatThrownBy(() -> KubernetesSettings.fromMap(Map.of())).hasMessageContaining("kubernetes.labels");
    }
}
