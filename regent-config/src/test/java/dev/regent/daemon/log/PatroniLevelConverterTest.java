package dev.regent.daemon.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.MarkerFactory;

/** Patroni's level names in Regent's log lines (WARNING, CRITICAL), through a real Logback pipeline. */
class PatroniLevelConverterTest {
    @Test
    void levelNamesAreThoseOfPythonLogging() {
        assertThat(PatroniLevelConverter.name(Level.WARN, null)).isEqualTo("WARNING");
        assertThat(PatroniLevelConverter.name(Level.INFO, null)).isEqualTo("INFO");
        assertThat(PatroniLevelConverter.name(Level.DEBUG, null)).isEqualTo("DEBUG");
        assertThat(PatroniLevelConverter.name(Level.TRACE, null)).isEqualTo("DEBUG");
        assertThat(PatroniLevelConverter.name(Level.ERROR, null)).isEqualTo("ERROR");
        assertThat(PatroniLevelConverter.name(Level.ERROR, List.of(PatroniLevels.CRITICAL))).isEqualTo("CRITICAL");
        assertThat(PatroniLevelConverter.name(Level.ERROR, List.of(MarkerFactory.getMarker("OTHER"))))
                .isEqualTo("ERROR");
    }

    @Test
    void theDaemonsLogbackConfigurationPrintsPatroniLines() throws Exception {
        LoggerContext ctx = new LoggerContext();
        ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            JoranConfigurator jc = new JoranConfigurator();
            jc.setContext(ctx);
            jc.doConfigure(getClass().getResource("/logback.xml"));
            Logger log = ctx.getLogger("t");
            log.error(PatroniLevels.CRITICAL, "Can't start; there is already a node named '{}' running",
                    "postgres-0");
            log.warn("Primary (pg0) is still alive");
            log.info("Lock owner: pg0; I am pg1");
            log.error("plain error");
            ctx.stop();
        } finally {
            System.setErr(err);
        }
        // Patroni's default format: %(asctime)s %(levelname)s: %(message)s
        assertThat(out.toString(StandardCharsets.UTF_8).lines()
                .map(l -> l.replaceFirst("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} ", "")))
                .containsExactly(
                        "CRITICAL: Can't start; there is already a node named 'postgres-0' running",
                        "WARNING: Primary (pg0) is still alive",
                        "INFO: Lock owner: pg0; I am pg1",
                        "ERROR: plain error");
    }
}
