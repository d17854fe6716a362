package dev.regent.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.regent.core.model.ClusterView;
import dev.regent.ctl.RegentCtl;
import dev.regent.daemon.Main;
import dev.regent.daemon.config.ConfigLoader;
import dev.regent.dcs.KeyValueStore;
import dev.regent.dcs.consul.ConsulKeyValueStore;
import dev.regent.dcs.etcd.EtcdKeyValueStore;
import dev.regent.dcs.etcd2.Etcd2KeyValueStore;
import dev.regent.dcs.memory.InMemoryKvServer;
import dev.regent.dcs.memory.ManualClock;
import dev.regent.dcs.raft.RaftKeyValueStore;
import dev.regent.dcs.zookeeper.ZooKeeperKeyValueStore;
import dev.regent.postgres.PgBinaries;
import dev.regent.testkit.DcsContract;
import java.net.URISyntaxException;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Module boundaries that Java packages cannot express: {@code regent-config} keeps the daemon's package names (its
 * classes moved out of {@code regent-daemon} so that {@code regentctl} need not depend on the daemon), so the rules
 * here place a class in a module by where it was loaded from, the module's {@code target/classes} or jar. This test
 * lives in regent-it because only here are all modules on one classpath.
 */
class ModuleBoundariesTest {
    /** Where each module's main classes are, found from one class known to live there. */
    private static final Map<String, URL> MODULES = new LinkedHashMap<>();
    /** The modules that bin/regent and bin/regentctl run: none may depend on the test kit. */
    private static final List<String> PRODUCTION = List.of("regent-core", "regent-time", "regent-dcs",
            "regent-dcs-etcd", "regent-dcs-etcd2", "regent-dcs-raft", "regent-dcs-zookeeper", "regent-postgres",
            "regent-dcs-consul", "regent-config", "regent-daemon", "regent-ctl");
    private static final String MEMORY_STORE = "dev.regent.dcs.memory..";

    private static JavaClasses classes;

    @BeforeAll
    static void importModules() {
        MODULES.put("regent-core", home(ClusterView.class));
        MODULES.put("regent-dcs", home(KeyValueStore.class));
        MODULES.put("regent-dcs-etcd", home(EtcdKeyValueStore.class));
        MODULES.put("regent-dcs-etcd2", home(Etcd2KeyValueStore.class));
        MODULES.put("regent-dcs-raft", home(RaftKeyValueStore.class));
        MODULES.put("regent-dcs-zookeeper", home(ZooKeeperKeyValueStore.class));
        MODULES.put("regent-dcs-consul", home(ConsulKeyValueStore.class));
        MODULES.put("regent-postgres", home(PgBinaries.class));
        MODULES.put("regent-config", home(ConfigLoader.class));
        MODULES.put("regent-daemon", home(Main.class));
        MODULES.put("regent-ctl", home(RegentCtl.class));
        MODULES.put("regent-testkit", home(DcsContract.class));
        MODULES.put("regent-it tests", home(ModuleBoundariesTest.class));
        assertThat(MODULES.values()).as("every module has a location of its own").doesNotHaveDuplicates();
        classes = new ClassFileImporter().importUrls(new ArrayList<>(MODULES.values()));
    }

    @Test
    void modulesAreWhereTheRulesExpectThem() {
        assertThat(moduleOf(classes.get(RegentCtl.class))).isEqualTo("regent-ctl");
        assertThat(moduleOf(classes.get(ConfigLoader.class))).isEqualTo("regent-config");
        assertThat(moduleOf(classes.get("dev.regent.daemon.config.ConfigCli"))).isEqualTo("regent-daemon");
        assertThat(moduleOf(classes.get(InMemoryKvServer.class))).isEqualTo("regent-testkit");
    }

    @Test
    void regentctlDoesNotDependOnTheDaemon() {
        check(noDependency("regent-ctl", "regent-daemon"));
    }

    @Test
    void theSharedModuleDependsOnNeitherApplication() {
        check(noDependency("regent-config", "regent-daemon"));
        check(noDependency("regent-config", "regent-ctl"));
    }

    @Test
    void theDaemonDoesNotDependOnRegentctl() {
        check(noDependency("regent-daemon", "regent-ctl"));
    }

    @Test
    void noProductionCodeUsesTheInMemoryStoreOrTheTestKit() {
        check(noTestKit(inAnyModule(PRODUCTION)));
    }

    /** The module rule finds real dependencies: the daemon does use regent-config's classes. */
    @Test
    void theModuleRuleReportsADependencyWhereThereIsOne() {
        EvaluationResult result = noDependency("regent-daemon", "regent-config").evaluate(classes);
        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().toString()).contains("dev.regent.daemon.config.ConfigLoader");
    }

    /** The test-kit rule catches a use of the in-memory store (here: by {@link UsesTheInMemoryStore}). */
    @Test
    void theTestKitRuleReportsAUseOfTheInMemoryStore() {
        DescribedPredicate<JavaClass> fixture = DescribedPredicate.describe("are the fixture",
                c -> c.isEquivalentTo(UsesTheInMemoryStore.class));
        EvaluationResult result = noTestKit(fixture).evaluate(classes);
        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().toString()).contains(ManualClock.class.getName());
    }

    /** A class that uses the in-memory store's clock, as production code must not. */
    static final class UsesTheInMemoryStore {
        long now() {
            return new ManualClock().getAsLong();
        }
    }

    private static ArchRule noDependency(String from, String to) {
        return noClasses().that(inAnyModule(List.of(from))).should().dependOnClassesThat(inAnyModule(List.of(to)))
                .because(from + " must not depend on " + to + " (README, Layout)");
    }

    private static ArchRule noTestKit(DescribedPredicate<? super JavaClass> production) {
        return noClasses().that(production).should().dependOnClassesThat(
                        inAnyModule(List.of("regent-testkit")).or(JavaClass.Predicates.resideInAPackage(MEMORY_STORE)))
                .because("the in-memory store, the manual clock and the rest of the test kit are for tests only");
    }

    private static void check(ArchRule rule) {
        rule.check(classes);
    }

    private static DescribedPredicate<JavaClass> inAnyModule(List<String> modules) {
        return DescribedPredicate.describe("are in " + String.join(", ", modules),
                c -> modules.contains(moduleOf(c)));
    }

    /** The module a class was imported from, or "" (the JDK, libraries, a class only referenced). */
    private static String moduleOf(JavaClass c) {
        if (c.getSource().isEmpty()) return "";
        String uri = c.getSource().get().getUri().toString();
        if (uri.startsWith("jar:")) uri = uri.substring("jar:".length());
        for (Map.Entry<String, URL> m : MODULES.entrySet()) {
            String root = m.getValue().toString();
            if (root.endsWith("/") ? uri.startsWith(root) : uri.startsWith(root + "!/")) return m.getKey();
        }
        return "";
    }

    private static URL home(Class<?> c) {
        try {
            URL url = c.getProtectionDomain().getCodeSource().getLocation();
            return url.toURI().toURL(); // normalised, as ArchUnit's source URIs are
        } catch (URISyntaxException | java.net.MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }
}
