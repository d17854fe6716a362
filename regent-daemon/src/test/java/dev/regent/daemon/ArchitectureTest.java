package dev.regent.daemon;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keeps the dependency direction of the architecture guide: adapters depend on the core, never the reverse. */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.regent");
    }

    @Test
    void coreDependsOnTheJdkOnly() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.regent.core..")
                .should().dependOnClassesThat().resideOutsideOfPackages("dev.regent.core..", "java..");
        rule.check(classes);
    }

    @Test
    void coreHasNoIoClockOrThreads() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.regent.core..")
                .should().dependOnClassesThat().resideInAnyPackage("java.io..", "java.nio..", "java.net..",
                        "java.util.concurrent..")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(Thread.class, "sleep", long.class);
        rule.check(classes);
    }

    @Test
    void dcsLayerDoesNotDependOnDaemonOrPostgres() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.regent.dcs..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.regent.daemon..", "dev.regent.postgres..");
        rule.check(classes);
    }

    @Test
    void postgresLayerDoesNotDependOnDcsOrDaemon() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.regent.postgres..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.regent.daemon..", "dev.regent.dcs..")
                .allowEmptyShould(true); // the module may be built without classes on a partial checkout
        rule.check(classes);
    }
}
