package dev.regent.daemon;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

    /**
     * Main code that may read the real clocks directly. Only {@code dev.regent.time} (whose {@code Ticker.SYSTEM} and
     * {@code Sleeper.SYSTEM} are how everything else reaches them, passed in by the wiring), regent-it's measurement
     * and cluster-launching code, and regent-testkit's stand-in servers (the fake Kubernetes API server, the Consul
     * test server: like the real servers they stand for, they run on real time and are never simulated); program
     * entry points use {@code Ticker.SYSTEM} too.
     */
    static final List<String> CLOCK_PACKAGES = List.of("dev.regent.time..", "dev.regent.it..",
            "dev.regent.testkit..");

    /**
     * TEMPORARY (issue 9, parallel branches): classes still reading the clock directly in files other branches own.
     * Remove each entry once its branch is merged: loop/* (branch shell injects the Ticker into the loop).
     */
    static final List<String> NOT_YET_INJECTED = List.of();

    /**
     * Time is injected: main code reads time from a {@code dev.regent.time.Ticker} and waits with a
     * {@code Sleeper} (so a simulator can run it on simulated time), never from the JDK's clocks or sleeps.
     */
    static ArchRule timeIsInjected(List<String> exempt) {
        DescribedPredicate<JavaClass> exempted = DescribedPredicate.describe("exempt from injected time",
                c -> exempt.stream().anyMatch(n -> c.getName().equals(n) || c.getName().startsWith(n + "$")));
        return noClasses().that().resideOutsideOfPackages(CLOCK_PACKAGES.toArray(String[]::new))
                .and(DescribedPredicate.not(exempted))
                .should().callMethod(System.class, "nanoTime")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(Thread.class, "sleep", long.class)
                .orShould().callMethod(Thread.class, "sleep", long.class, int.class)
                .orShould().callMethod(TimeUnit.class, "sleep", long.class)
                .orShould().callMethod(Clock.class, "systemUTC")
                .orShould().callMethod(Clock.class, "systemDefaultZone")
                .orShould().callMethod(Instant.class, "now")
                .orShould().callMethod(LocalDate.class, "now")
                .orShould().callMethod(LocalDateTime.class, "now")
                .orShould().callMethod(LocalDateTime.class, "now", ZoneId.class)
                .orShould().callMethod(OffsetDateTime.class, "now")
                .orShould().callMethod(OffsetDateTime.class, "now", ZoneId.class)
                .orShould().callMethod(ZonedDateTime.class, "now")
                .orShould().callMethod(ZonedDateTime.class, "now", ZoneId.class)
                .because("time is injected (dev.regent.time.Ticker/Sleeper), so that the shell runs on simulated"
                        + " time");
    }

    @Test
    void mainCodeReadsTimeOnlyThroughTheInjectedTicker() {
        timeIsInjected(NOT_YET_INJECTED).check(classes);
    }

    @Test
    void everyTemporaryExceptionIsStillNeeded() {
        EvaluationResult all = timeIsInjected(List.of()).evaluate(classes);
        for (String name : NOT_YET_INJECTED) {
            assertThat(all.getFailureReport().getDetails())
                    .as(name + " no longer reads the clock directly: remove it from NOT_YET_INJECTED")
                    .anyMatch(d -> d.contains("<" + name + ".") || d.contains("<" + name + "$"));
        }
    }

    /** Reads the clock in the ways the rule forbids (one violation each). */
    static final class ReadsTheClock {
        long nanos() {
            return System.nanoTime();
        }

        void nap() throws InterruptedException {
            Thread.sleep(1);
        }

        LocalDateTime local() {
            return LocalDateTime.now();
        }
    }

    @Test
    void theTimeRuleCatchesDirectClockReads() {
        JavaClasses offender = new ClassFileImporter().importClasses(ReadsTheClock.class);
        EvaluationResult r = timeIsInjected(List.of()).evaluate(offender);
        assertThat(r.hasViolation()).isTrue();
        assertThat(r.getFailureReport().getDetails()).hasSize(3)
                .anyMatch(d -> d.contains("System.nanoTime()"))
                .anyMatch(d -> d.contains("Thread.sleep(long)"))
                .anyMatch(d -> d.contains("LocalDateTime.now()"));
        assertThat(timeIsInjected(List.of(ReadsTheClock.class.getName())).allowEmptyShould(true).evaluate(offender)
                .hasViolation())
                .as("an exempted class").isFalse();
    }
}
