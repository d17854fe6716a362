package dev.regent.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Commands that read or write the DCS directly: show-config, edit-config, history, dsn, remove, query options. */
class DcsCommandsTest {
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
    void showConfigPrintsSortedBlockYaml() {
        CtlFixture.Result r = f.run("", "show-config");
        assertThat(r.out()).isEqualTo("loop_wait: 10\npostgresql:\n  parameters:\n    max_connections: 100\n"
                + "retry_timeout: 10\nttl: 30\n\n");
    }

    @Test
    void editConfigSetAndPgWithForceWritesTheDcsAndShowsADiff() throws Exception {
        CtlFixture.Result r = f.run("", "edit-config", "-s", "ttl=40", "-s", "retry_timeout=null",
                "-p", "auto_explain.log_min_duration=100ms", "--force");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(String.join("\n", "--- ", "+++ ", "@@ -1,6 +1,6 @@", " loop_wait: 10",
                " postgresql:", "   parameters:", "+    auto_explain.log_min_duration: 100ms", "     max_connections: 100",
                "-retry_timeout: 10", "-ttl: 30", "+ttl: 40", "Configuration changed", ""));
        assertThat(f.get("config")).isEqualTo("{\"ttl\": 40, \"loop_wait\": 10, \"postgresql\": {\"parameters\":"
                + " {\"max_connections\": 100, \"auto_explain.log_min_duration\": \"100ms\"}}}");
    }

    @Test
    void editConfigAsksAndDeclineLeavesTheConfig() throws Exception {
        String before = f.get("config");
        CtlFixture.Result r = f.run("n\n", "edit-config", "-s", "ttl=40");
        assertThat(r.out()).contains("Apply these changes? [y/N]: ");
        assertThat(f.get("config")).isEqualTo(before);
        assertThat(f.run("", "edit-config", "-s", "ttl=30").out()).isEqualTo("Not changed\n");
    }

    @Test
    void editConfigApplyAndReplaceFiles() throws Exception {
        Path p = f.dir.resolve("patch.yml");
        Files.writeString(p, "postgresql:\n  parameters:\n    work_mem: 8MB\nttl: null\n");
        assertThat(f.run("", "edit-config", "--apply", p.toString(), "--force", "-q").out())
                .isEqualTo("Configuration changed\n");
        assertThat(f.get("config")).contains("\"work_mem\": \"8MB\"").contains("\"max_connections\": 100")
                .doesNotContain("ttl");
        CtlFixture.Result stdin = f.run("loop_wait: 5\n", "edit-config", "--replace", "-");
        assertThat(stdin.out()).endsWith("Use --force option to apply changes\n");
        f.run("loop_wait: 5\n", "edit-config", "--replace", "-", "--force");
        assertThat(f.get("config")).isEqualTo("{\"loop_wait\": 5}");
    }

    @Test
    void editConfigRunsTheEditor() throws Exception {
        Path editor = f.dir.resolve("ed.sh");
        Files.writeString(editor, "#!/bin/sh\nsed -i 's/ttl: 30/ttl: 33/' \"$1\"\n");
        Files.setPosixFilePermissions(editor, PosixFilePermissions.fromString("rwx------"));
        f.env.put("EDITOR", editor.toString());
        CtlFixture.Result r = f.run("y\n", "edit-config");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("-ttl: 30\n+ttl: 33\n").endsWith("Configuration changed\n");
        assertThat(f.get("config")).contains("\"ttl\": 33");
        f.env.put("EDITOR", "false");
        assertThat(f.run("", "edit-config").err().strip()).isEqualTo("Error: Editor exited with return code 1");
    }

    @Test
    void editConfigBadPairIsAnError() {
        CtlFixture.Result r = f.run("", "edit-config", "-s", "ttl", "--force");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("Error: Invalid parameter setting ttl");
    }

    @Test
    void historyInEveryFormat() {
        assertThat(f.run("", "history").out()).isEqualTo(String.join("\n",
                "+----+----------+------------------------------+---------------------------+------------+",
                "| TL |      LSN | Reason                       | Timestamp                 | New Leader |",
                "+----+----------+------------------------------+---------------------------+------------+",
                "|  1 | 25165984 | no recovery target specified | 2024-05-01T10:00:00+00:00 | m1         |",
                "+----+----------+------------------------------+---------------------------+------------+", ""));
        assertThat(f.run("", "history", "-f", "tsv").out()).isEqualTo("TL\tLSN\tReason\tTimestamp\tNew Leader\n"
                + "1\t25165984\tno recovery target specified\t2024-05-01T10:00:00+00:00\tm1\n");
        assertThat(f.run("", "history", "-f", "json").out()).isEqualTo("[{\"TL\": 1, \"LSN\": 25165984, \"Reason\":"
                + " \"no recovery target specified\", \"Timestamp\": \"2024-05-01T10:00:00+00:00\", \"New Leader\":"
                + " \"m1\"}]\n");
    }

    @Test
    void dsnByRoleAndMember() {
        assertThat(f.run("", "dsn").out()).isEqualTo("host=127.0.0.1 port=5432\n");
        assertThat(f.run("", "dsn", "-m", "m3").out()).isEqualTo("host=127.0.0.1 port=5434\n");
        assertThat(f.run("", "dsn", "-r", "replica", "-m", "m3").err().strip())
                .isEqualTo("Error: --role and --member are mutually exclusive options");
        assertThat(f.run("", "dsn", "-m", "m9").err().strip()).isEqualTo("Error: Can not find a suitable member");
    }

    @Test
    void removeNeedsThreeConfirmations() throws Exception {
        assertThat(f.run("robin\n", "remove", "batman").err().strip())
                .isEqualTo("Error: Cluster names specified do not match");
        assertThat(f.run("batman\nyes\n", "remove", "batman").err().strip())
                .isEqualTo("Error: You did not exactly type \"Yes I am aware\"");
        assertThat(f.run("batman\nYes I am aware\nm2\n", "remove", "batman").err().strip())
                .isEqualTo("Error: You did not specify the current leader of the cluster");
        assertThat(f.get("leader")).isEqualTo("m1");
        CtlFixture.Result r = f.run("batman\nYes I am aware\nm1\n", "remove", "batman");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Please confirm the cluster name to remove: ")
                .contains("please type: \"Yes I am aware\": ")
                .contains("This cluster currently is healthy. Please specify the leader name to continue: ");
        assertThat(f.kv.getPrefix(CtlFixture.BASE)).isEmpty();
    }

    @Test
    void queryOptionErrors() {
        assertThat(f.run("", "query").err().strip()).isEqualTo("Error: You need to specify either --command or --file");
        assertThat(f.run("", "query", "-c", "select 1", "-f", "x.sql").err().strip())
                .isEqualTo("Error: --file and --command are mutually exclusive options");
        assertThat(f.run("", "query", "-c", "select 1", "-r", "replica", "-m", "m2").code()).isEqualTo(1);
    }

    @Test
    void queryPrintsAnErrorRowWhenNoServerAnswers() {
        CtlFixture.Result r = f.run("", "query", "-c", "select 1", "-m", "m2");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).startsWith("2024-05-01 12:30:45\tERROR, SQLSTATE: 08001");
    }

    @Test
    void reinitWithoutMembersAsksWhichOne() {
        CtlFixture.Result r = f.run("m9\n", "reinit", "batman");
        assertThat(r.out()).contains("Which member do you want to reinitialize [m1, m2, m3]? []: ");
        assertThat(r.err().strip()).isEqualTo("Error: m9 is not a member of cluster");
    }
}
