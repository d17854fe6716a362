package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.regent.core.config.NodeConfig.Callbacks;

class CallbackRunnerTest {
    @TempDir
    Path dir;

    @Test
    void callbackGetsActionRoleScopeAndANewOneKillsTheRunningOne() throws Exception {
        Path out = dir.resolve("out");
        Path script = dir.resolve("cb.sh");
        Files.writeString(script, "#!/bin/sh\necho \"$@\" >> " + out + "\n[ \"$1\" = on_start ] && sleep 30\nexit 0\n");
        script.toFile().setExecutable(true);
        Callbacks cbs = new Callbacks(script.toString(), null, null, null, script + " 'x y'");
        CallbackRunner runner = new CallbackRunner(cbs, null, null, "batman");
        Process slow = runner.fire(CallbackRunner.Action.ON_START, "replica");
        waitForLines(out, 1);
        Process fast = runner.fire(CallbackRunner.Action.ON_ROLE_CHANGE, "primary");
        assertThat(slow.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(fast.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(fast.exitValue()).isZero();
        assertThat(Files.readAllLines(out)).containsExactly("on_start replica batman",
                "x y on_role_change primary batman");
        assertThat(runner.fire(CallbackRunner.Action.ON_STOP, "replica")).isNull();
        runner.close();
    }

    @Test
    void synchronousHooksReturnExitCodes() {
        CallbackRunner runner = new CallbackRunner(Callbacks.NONE, "sh -c 'exit 3'", "true", "batman");
        assertThat(runner.runPrePromote(Duration.ofSeconds(10))).isEqualTo(3);
        assertThat(runner.runBeforeStop(Duration.ofSeconds(10))).isZero();
        assertThat(new CallbackRunner(Callbacks.NONE, null, null, "s").runPrePromote(Duration.ofSeconds(1))).isZero();
    }

    @Test
    void binariesResolveFromPgConfigAndHonourBinName() {
        PgBinaries bin = new PgBinaries(null, java.util.Map.of("pg_ctl", "my_pg_ctl"));
        assertThat(bin.binDir()).isNotNull();
        assertThat(Path.of(bin.path("initdb"))).isExecutable();
        assertThat(bin.path("pg_ctl")).isEqualTo(bin.binDir().resolve("my_pg_ctl").toString());
        assertThat(bin.version()).isBetween(100000, 999999);
        assertThat(new PgBinaries("/opt/pg/bin", null).path("postgres")).isEqualTo("/opt/pg/bin/postgres");
    }

    private static void waitForLines(Path file, int n) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (Files.exists(file) && Files.readAllLines(file).size() >= n) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("callback did not write " + file);
    }
}
