package dev.regent.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Option errors, exit codes, configuration resolution. */
class CommandLineTest {
    private CtlFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new CtlFixture();
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    @Test
    void unknownOptionIsOneLineUsageErrorWithExitTwo() {
        CtlFixture.Result r = f.run("", "list", "--bogus");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("Error: Unknown option: '--bogus'").hasLineCount(1);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void unknownCommandAndMissingClusterAreUsageErrors() {
        assertThat(f.run("", "frobnicate").code()).isEqualTo(2);
        CtlFixture.Result r = f.run("", "restart");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("CLUSTER_NAME").hasLineCount(1);
    }

    @Test
    void badRoleIsAUsageError() {
        CtlFixture.Result r = f.run("", "dsn", "-r", "king");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("Error: Invalid value for '--role'");
    }

    @Test
    void missingExplicitConfigFileFailsWithPatronictlMessage() {
        CtlFixture.Result r = f.runRaw("", "-c", "/nonexistent/x.yml", "list");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("Error: Provided config file /nonexistent/x.yml not existing or no read"
                + " rights. Check the -c/--config-file parameter");
    }

    @Test
    void configFromEnvironmentVariableFile() {
        f.env.put("PATRONICTL_CONFIG_FILE", f.configFile.toString());
        CtlFixture.Result r = f.runRaw("", "dsn");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("host=127.0.0.1 port=5432\n");
    }

    @Test
    void defaultConfigFileUnderHome() throws Exception {
        Path p = f.dir.resolve(".config/patroni/patronictl.yaml");
        Files.createDirectories(p.getParent());
        Files.writeString(p, "scope: batman\netcd3:\n  hosts: 127.0.0.1:2379\n");
        assertThat(f.runRaw("", "dsn", "-r", "replica").out()).isEqualTo("host=127.0.0.1 port=5433\n");
    }

    @Test
    void noConfigAndNoScopeNeedsAClusterName() {
        CtlFixture.Result r = f.runRaw("", "--dcs-url", "etcd3://127.0.0.1:2379", "show-config");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("Error: Cluster name is required");
        assertThat(f.runRaw("", "--dcs-url", "etcd3://127.0.0.1:2379", "show-config", "batman").out())
                .contains("loop_wait: 10");
    }

    @Test
    void noDcsAtAllIsAClearError() {
        CtlFixture.Result r = f.runRaw("", "show-config", "batman");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("Error: no DCS is configured").hasLineCount(1);
    }

    @Test
    void environmentScopeAndDcsUrlEnv() {
        f.env.put("PATRONI_SCOPE", "batman");
        f.env.put("DCS_URL", "127.0.0.1:2379");
        assertThat(f.runRaw("", "dsn").out()).isEqualTo("host=127.0.0.1 port=5432\n");
    }

    @Test
    void dcsUrlReplacesTheSectionAndSetsTheNamespace() throws Exception {
        CtlConfig c = CtlConfig.resolve(f.configFile.toString(), "etcd3://10.0.0.1:2380/prod", false, f.env);
        assertThat(c.dcsType()).isEqualTo("etcd3");
        assertThat(c.dcsSection()).containsEntry("host", "10.0.0.1:2380");
        assertThat(c.namespace()).isEqualTo("/prod");
        assertThat(CtlConfig.resolve(null, "zk:2181", false, f.env).dcsType()).isEqualTo("zookeeper");
        // patronictl: a bare host:port (or an unknown port) is Patroni's etcd (v2 API) section, as is etcd://
        CtlConfig bare = CtlConfig.resolve(null, "10.0.0.1:2379", false, f.env);
        assertThat(bare.dcsType()).isEqualTo("etcd");
        assertThat(bare.dcsSection()).isEqualTo(java.util.Map.of("host", "10.0.0.1:2379"));
        assertThat(CtlConfig.resolve(null, "10.0.0.1:4001", false, f.env).dcsType()).isEqualTo("etcd");
        assertThat(CtlConfig.resolve(null, "etcd://e1", false, f.env).dcsSection())
                .isEqualTo(java.util.Map.of("host", "e1:2379"));
        assertThat(CtlConfig.resolve(null, "zookeeper://zk1", false, f.env).dcsSection())
                .isEqualTo(java.util.Map.of("hosts", java.util.List.of("zk1:2181")));
        // patronictl's exhibitor template: hosts [HOST], port PORT
        CtlConfig ex = CtlConfig.resolve(null, "exhibitor://ex1:8080", false, f.env);
        assertThat(ex.dcsType()).isEqualTo("exhibitor");
        assertThat(ex.dcsSection()).isEqualTo(java.util.Map.of("hosts", java.util.List.of("ex1"), "port", 8080));
        CtlFixture.Result r = f.run("", "-d", "foo://x:1", "list");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("Error: Unknown dcs scheme: foo");
    }

    @Test
    void kubernetesDcsUrlKeepsTheFilesLabelsAndSetsTheKubernetesNamespace() throws Exception {
        Path p = f.dir.resolve("k8s.yml");
        Files.writeString(p, "scope: batman\nkubernetes:\n  labels: {app: pg}\n  use_endpoints: true\n");
        CtlConfig c = CtlConfig.resolve(p.toString(), "kubernetes://prod", false, f.env);
        assertThat(c.dcsType()).isEqualTo("kubernetes");
        assertThat(c.dcsSection()).containsEntry("namespace", "prod").containsEntry("use_endpoints", true)
                .containsEntry("labels", java.util.Map.of("app", "pg"));
        CtlConfig bare = CtlConfig.resolve(null, "kubernetes://", false, f.env);
        assertThat(bare.dcsSection()).containsEntry("labels", java.util.Map.of("application", "patroni"))
                .as("regentctl's own environment, for KUBECONFIG").containsEntry("_environment", f.env);
    }

    @Test
    void etcdV2SectionOfANodesConfig() throws Exception {
        Path p = f.dir.resolve("v2.yml");
        Files.writeString(p, "scope: batman\netcd:\n  hosts: [127.0.0.1:2379, 127.0.0.2:2379]\n");
        CtlConfig c = CtlConfig.resolve(p.toString(), null, false, f.env);
        assertThat(c.dcsType()).isEqualTo("etcd");
        assertThat(c.dcsSection()).containsEntry("hosts", java.util.List.of("127.0.0.1:2379", "127.0.0.2:2379"));
        f.env.put("PATRONI_ETCD_URL", "http://10.0.0.9:2379");
        assertThat(CtlConfig.resolve(p.toString(), null, false, f.env).dcsSection())
                .containsEntry("url", "http://10.0.0.9:2379");
    }

    @Test
    void ctlCredentialsWinOverRestapiAndEnvOverridesFile() throws Exception {
        Path p = f.dir.resolve("node.yml");
        Files.writeString(p, "scope: batman\nname: n1\netcd3:\n  host: h:2379\nrestapi:\n  listen: 0.0.0.0:8008\n"
                + "  authentication:\n    username: api\n    password: apipw\npostgresql:\n  authentication:\n"
                + "    superuser:\n      username: su\n      password: supw\n");
        CtlConfig c = CtlConfig.resolve(p.toString(), null, false, f.env);
        assertThat(c.restUser()).isEqualTo("api");
        assertThat(c.pgUser()).isEqualTo("su");
        f.env.put("PATRONI_CTL_USERNAME", "ctl");
        f.env.put("PATRONI_CTL_PASSWORD", "ctlpw");
        f.env.put("PATRONI_SCOPE", "robin");
        CtlConfig e = CtlConfig.resolve(p.toString(), null, true, f.env);
        assertThat(e.restUser()).isEqualTo("ctl");
        assertThat(e.restPassword()).isEqualTo("ctlpw");
        assertThat(e.scope()).isEqualTo("robin");
        assertThat(e.insecure()).isTrue();
    }

    @Test
    void versionWithoutClusterNeedsNoDcs() {
        CtlFixture.Result r = f.runRaw("", "version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("regentctl version ");
    }
}
