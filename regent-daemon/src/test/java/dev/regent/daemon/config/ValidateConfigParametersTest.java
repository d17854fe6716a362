package dev.regent.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --validate-config} reports what the installed PostgreSQL (15) would refuse, with file and line. */
class ValidateConfigParametersTest {
    @TempDir
    Path dir;

    @Test
    void parametersTheLocalServerRefusesAreWarningsWithFileAndLine() throws IOException {
        String text = ConfigCli.generateSampleConfig()
                .replace("        wal_log_hints: 'on'\n", "        wal_log_hints: 'on'\n"
                        + "        wal_keep_segments: 100\n"
                        + "        checkpoint_segments: 16\n        stats_temp_directory: /run/stats\n")
                .replace("    unix_socket_directories: /tmp\n", "    unix_socket_directories: /tmp\n"
                        + "    shard_buffers: 64MB\n    autovacuum: maybe\n    pg_stat_statements.max: 1000\n"
                        + "    zero_damaged_pages: 'off'\n  recovery_conf:\n    restore_command: cp /a/%f %p\n"
                        + "    trigger_file: /tmp/promote\n");
        Path p = dir.resolve("node.yml");
        Files.writeString(p, text);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int rc = ConfigCli.validateConfig(p, Map.of(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(rc).as(out).isZero();
        assertThat(out).contains("warning: bootstrap.dcs.postgresql.parameters.checkpoint_segments (" + p + ":"
                + lineOf(text, "checkpoint_segments: 16") + "): Removing unexpected parameter=checkpoint_segments "
                + "value=16 from the config: PostgreSQL 15 does not know it");
        assertThat(out).contains("warning: bootstrap.dcs.postgresql.parameters.stats_temp_directory (" + p + ":"
                + lineOf(text, "stats_temp_directory") + ")");
        assertThat(out).contains("warning: postgresql.parameters.shard_buffers (" + p + ":"
                + lineOf(text, "shard_buffers") + ")");
        assertThat(out).contains("warning: postgresql.parameters.autovacuum (" + p + ":" + lineOf(text, "autovacuum")
                + "): Removing bool parameter=autovacuum from the config due to the invalid value=maybe");
        assertThat(out).contains("warning: postgresql.recovery_conf.trigger_file (" + p + ":"
                + lineOf(text, "trigger_file") + ")");
        // translated (wal_keep_segments), developer, extension and valid recovery GUCs are not findings
        assertThat(out).doesNotContain("wal_keep").doesNotContain("zero_damaged_pages")
                .doesNotContain("pg_stat_statements").doesNotContain("restore_command");
        assertThat(out).contains("valid with 5 warning(s)");
    }

    private static int lineOf(String text, String needle) {
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(needle)) {
                return i + 1;
            }
        }
        throw new AssertionError(needle);
    }
}
