package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.config.NodeConfig.Callbacks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Child processes never see {@code PATRONI_*} variables, as under Patroni. The test JVM runs with
 * {@link #SECRET_VAR} set (regent-postgres's surefire configuration), so each check would fail if it leaked.
 * PostgreSQL itself is checked in {@link PostgresqlComponentTest} ({@code /proc/<postmaster>/environ}).
 */
class ChildEnvironmentTest {
    static final String SECRET_VAR = "PATRONI_SUPERUSER_PASSWORD";

    @TempDir
    Path dir;

    @Test
    void theTestJvmHasThePatroniVariable() {
        assertThat(System.getenv(SECRET_VAR)).as("set by regent-postgres's surefire configuration").isNotBlank();
    }

    @Test
    void scrubRemovesEveryPatroniVariableOnly() {
        Map<String, String> env = new HashMap<>(Map.of("PATRONI_RESTAPI_PASSWORD", "x", "PATRONI_NAME", "n",
                "PATH", "/bin", "REGENT_LOG_LEVEL", "DEBUG", "MY_PATRONI_X", "kept"));
        assertThat(ChildEnvironment.scrub(env)).containsOnlyKeys("PATH", "REGENT_LOG_LEVEL", "MY_PATRONI_X");
    }

    @Test
    void commandsRunWithoutPatroniVariables() {
        CommandRunner.Result r = new CommandRunner().runAsSelf(List.of("env"), Map.of("PGPASSFILE", "/x"), null,
                Duration.ofSeconds(10));
        assertThat(r.exitCode()).isZero();
        assertThat(r.output()).contains("PATH=").contains("PGPASSFILE=/x").doesNotContain("PATRONI_");
    }

    @Test
    void callbacksRunWithoutPatroniVariables() throws Exception {
        Path out = dir.resolve("env.txt");
        Path script = dir.resolve("cb.sh");
        Files.writeString(script, "#!/bin/sh\nenv > " + out + ".tmp && mv " + out + ".tmp " + out + "\n");
        script.toFile().setExecutable(true);
        CallbackRunner runner = new CallbackRunner(new Callbacks(script.toString(), null, null, null, null), null,
                null, "batman");
        Process p = runner.fire(CallbackRunner.Action.ON_START, "replica");
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(out)).contains("PATH=").doesNotContain("PATRONI_");
        runner.close();
    }
}
