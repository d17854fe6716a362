package dev.regent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line modes of {@code bin/regent}: exit codes and the messages an operator sees. */
class MainTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void versionNamesPatroniCompatibility() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("regent ").contains("Patroni 4.1.4 compatible");
    }

    @Test
    void sampleConfigValidates() throws Exception {
        Path f = dir.resolve("sample.yml");
        assertThat(run("--generate-sample-config", f.toString())).isZero();
        assertThat(run("--validate-config", f.toString())).as(out.toString(StandardCharsets.UTF_8)).isZero();
    }

    @Test
    void badConfigFileIsRefusedWithEveryErrorAndItsLine() throws Exception {
        Path f = dir.resolve("bad.yml");
        Files.writeString(f, String.join("\n",
                "scope: demo",
                "restapi:",
                "  listen: 127.0.0.1:notaport",
                "  connect_address: 127.0.0.1:8008",
                "etcd3:",
                "  hosts: 127.0.0.1:2379",
                "postgresql:",
                "  listen: 127.0.0.1:5432",
                "  connect_address: 127.0.0.1:5432",
                "  data_dir: /tmp/x",
                "  pg_ctl_timeout: soon",
                ""));
        assertThat(run("--validate-config", f.toString())).isEqualTo(1);
        String report = out.toString(StandardCharsets.UTF_8);
        assertThat(report).contains("name").contains("restapi.listen").contains("bad.yml:3")
                .contains("postgresql.pg_ctl_timeout").contains("bad.yml:11");
    }

    @Test
    void runningWithABadConfigStartsNothingAndSaysWhy() throws Exception {
        Path f = dir.resolve("bad.yml");
        Files.writeString(f, "scope: demo\nname: n0\n");
        assertThat(run(f.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("restapi").contains("nothing started");
    }

    @Test
    void aNodeWithUnsupportedSafetySettingsRefusesToStartWithOneMessage() throws Exception {
        Path f = dir.resolve("sync.yml");
        assertThat(run("--generate-sample-config", f.toString())).isZero();
        String yaml = Files.readString(f).replace("    synchronous_mode: false\n",
                "    synchronous_mode: quorum\n    standby_cluster:\n      host: h1,h2\n") + "citus:\n  group: 0\n";
        Files.writeString(f, yaml.replace("watchdog:\n  mode: 'off'\n", ""));
        assertThat(run(f.toString())).isEqualTo(1);
        String said = err.toString(StandardCharsets.UTF_8);
        assertThat(said.lines().filter(l -> l.startsWith("regent: refusing to start: ")).toList()).singleElement()
                .satisfies(l -> assertThat(l).contains("a setting Regent does not support yet: citus: {group} ("
                                + f + ":")
                        // a standby cluster with several hosts is implemented
                        .doesNotContain("standby_cluster")
                        .doesNotContain("synchronous_mode"));
        assertThat(said).contains("regent: configuration is not valid; nothing started");
    }

    @Test
    void unknownArgumentsAreRefused() {
        assertThat(run("--frobnicate")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown arguments");
    }
}
