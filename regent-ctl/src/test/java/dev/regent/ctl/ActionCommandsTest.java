package dev.regent.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Commands that act through members' REST APIs: method, path and body sent; output for the replies. */
class ActionCommandsTest {
    private CtlFixture f;
    private FakeMember m1;
    private FakeMember m2;
    private FakeMember m3;

    @BeforeEach
    void setUp() throws Exception {
        f = new CtlFixture();
        m1 = f.members.get("m1");
        m2 = f.members.get("m2");
        m3 = f.members.get("m3");
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    @Test
    void forcedSwitchoverPostsToTheLeader() {
        m1.reply("POST /switchover", 200, "Successfully switched over to \"m2\"");
        CtlFixture.Result r = f.run("", "switchover", "--force", "--candidate", "m2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(m1.requests).containsExactly(new FakeMember.Request("POST", "/switchover",
                "{\"candidate\":\"m2\",\"leader\":\"m1\"}", null));
        assertThat(r.out()).startsWith("Current cluster topology\n+ Cluster: batman");
        assertThat(r.out()).contains("2024-05-01 12:30:45.12345 Successfully switched over to \"m2\"\n");
        assertThat(m2.requests).isEmpty();
    }

    @Test
    void switchoverPromptsForEverythingMissing() {
        m1.reply("POST /switchover", 202, "Switchover scheduled");
        CtlFixture.Result r = f.run("\nm2\n2030-01-01T10:00+00:00\ny\n", "switchover");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Primary [m1]: ").contains("Candidate ['m2'] []: ")
                .contains("When should the switchover take place (e.g. 2024-05-01T13:30 )  [now]: ")
                .contains("Are you sure you want to schedule switchover of cluster batman at 2030-01-01T10:00:00+00:00,"
                        + " demoting current leader m1? [y/N]: ");
        assertThat(m1.requests.get(0).body()).isEqualTo(
                "{\"candidate\":\"m2\",\"leader\":\"m1\",\"scheduled_at\":\"2030-01-01T10:00:00+00:00\"}");
    }

    @Test
    void switchoverDeclinedOrToUnknownCandidateSendsNothing() {
        CtlFixture.Result no = f.run("m1\nm2\nnow\nn\n", "switchover");
        assertThat(no.code()).isEqualTo(1);
        assertThat(no.err().strip()).isEqualTo("Error: Aborting switchover");
        CtlFixture.Result bad = f.run("", "switchover", "--force", "--candidate", "m3");
        assertThat(bad.err().strip()).isEqualTo("Error: Member m3 does not exist in cluster batman or is tagged as"
                + " nofailover");
        CtlFixture.Result wrong = f.run("", "switchover", "--force", "--leader", "m2");
        assertThat(wrong.err().strip()).isEqualTo("Error: Member m2 is not the leader of cluster batman");
        CtlFixture.Result eof = f.run("", "switchover");
        assertThat(eof.code()).isEqualTo(1);
        assertThat(eof.err().strip()).isEqualTo("Aborted!");
        assertThat(m1.requests).isEmpty();
    }

    @Test
    void refusedSwitchoverPrintsDetailsAndFails() {
        m1.reply("POST /switchover", 412, "switchover is not possible: no good candidates have been found");
        CtlFixture.Result r = f.run("", "switchover", "--force", "--candidate", "m2");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("Switchover failed, details: 412, switchover is not possible: no good candidates"
                + " have been found\n");
    }

    @Test
    void unreachableLeaderFallsBackToTheFailoverKey() throws Exception {
        m1.close();
        CtlFixture.Result r = f.run("", "switchover", "--force", "--candidate", "m2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Could not switchover using Patroni api, falling back to DCS");
        assertThat(f.get("failover")).as("Patroni's manual_failover: json.dumps with separators=(',', ':')")
                .isEqualTo("{\"leader\":\"m1\",\"member\":\"m2\"}");
    }

    @Test
    void scheduledFallbackKeepsTheOperatorsOffsetAndEscapesNames() throws Exception {
        m1.close();
        f.put("members/a\\\"b", "{\"conn_url\":\"postgres://127.0.0.1:1/postgres\","
                + "\"api_url\":\"http://127.0.0.1:1/patroni\",\"state\":\"running\",\"role\":\"replica\"}");
        CtlFixture.Result r = f.run("", "switchover", "--force", "--candidate", "a\\\"b", "--scheduled",
                "2030-05-01T10:00:00+02:00");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(f.get("failover")).isEqualTo(
                "{\"leader\":\"m1\",\"member\":\"a\\\\\\\"b\",\"scheduled_at\":\"2030-05-01T10:00:00+02:00\"}");
    }

    @Test
    void failoverNeedsACandidateAndPostsOnlyIt() {
        CtlFixture.Result none = f.run("", "failover", "--force");
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err().strip()).isEqualTo("Error: Failover could be performed only to a specific candidate");
        m1.reply("POST /failover", 200, "Successfully failed over to \"m2\"");
        CtlFixture.Result r = f.run("y\n", "failover", "--candidate", "m2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Are you sure you want to failover cluster batman, demoting current leader m1?");
        assertThat(m1.requests).extracting(FakeMember.Request::body).containsExactly("{\"candidate\":\"m2\"}");
    }

    @Test
    void failoverWithoutLeaderGoesToTheCandidate() throws Exception {
        f.kv.delete(CtlFixture.BASE + "leader");
        m2.reply("POST /failover", 200, "Successfully failed over to \"m2\"");
        CtlFixture.Result r = f.run("", "failover", "--force", "--candidate", "m2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(m2.requests).hasSize(1);
    }

    @Test
    void restartReplicasWithFilters() {
        m2.reply("POST /restart", 200, "restarted successfully");
        m3.reply("POST /restart", 409, "Another restart is already scheduled");
        CtlFixture.Result r = f.run("", "restart", "batman", "--role", "replica", "--force", "--pending",
                "--pg-version", "15.4", "--timeout", "30");
        assertThat(r.code()).isEqualTo(1);
        String body = "{\"restart_pending\":true,\"postgres_version\":\"15.4\",\"timeout\":\"30\"}";
        assertThat(m2.requests).containsExactly(new FakeMember.Request("POST", "/restart", body, null));
        assertThat(m3.requests).extracting(FakeMember.Request::body).containsExactly(body);
        assertThat(r.out()).contains("Success: restart on member m2\n")
                .contains("Failed: another restart is already scheduled on member m3\n");
        assertThat(m1.requests).isEmpty();
    }

    @Test
    void restartPromptsAndSchedules() {
        m1.reply("POST /restart", 202, "Restart scheduled");
        CtlFixture.Result r = f.run("2030-01-01T10:00:00+01:00\ny\n\n", "restart", "batman", "m1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("When should the restart take place (e.g. 2024-05-01T13:30)  [now]: ")
                .contains("Are you sure you want to schedule restart of members m1 at 2030-01-01T10:00:00+01:00?")
                .contains("Success: restart scheduled on member m1");
        assertThat(m1.requests.get(0).body()).isEqualTo("{\"schedule\":\"2030-01-01T10:00:00+01:00\"}");
    }

    @Test
    void restartRejectsBadVersionAndUnknownMember() {
        assertThat(f.run("", "restart", "batman", "m1", "--force", "--pg-version", "9.6").err())
                .startsWith("Error: Invalid PostgreSQL version format");
        assertThat(f.run("", "restart", "batman", "m9", "--force").err().strip())
                .isEqualTo("Error: m9 is not a member of cluster");
        assertThat(m1.requests).isEmpty();
    }

    @Test
    void reloadReportsTheLoopWait() {
        m1.reply("POST /reload", 202, "reload scheduled");
        CtlFixture.Result r = f.run("", "reload", "batman", "m1", "--force");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("+ Cluster: batman").endsWith("Reload request received for member m1 and will be processed within 10"
                + " seconds\n");
        assertThat(m1.requests).extracting(FakeMember.Request::path).containsExactly("/reload");
    }

    @Test
    void reinitWaitsUntilTheReplicaIsCreated() {
        m2.reply("POST /reinitialize", 200, "reinitialize started");
        int[] polls = {0};
        m2.reply("GET /patroni", q -> new FakeMember.Reply(200, ++polls[0] < 2 ? "{\"state\": \"creating replica\"}"
                : "{\"state\": \"running\"}"));
        f.maxSleeps = 10;
        CtlFixture.Result r = f.run("", "reinit", "batman", "m2", "--force", "--wait", "--from-leader");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(m2.requests.get(0).body()).isEqualTo("{\"force\":true,\"from_leader\":true}");
        assertThat(r.out()).isEqualTo("Success: reinitialize for member m2\n"
                + "Waiting for reinitialize to complete on: m2\nReinitialize is completed on: m2\n");
        assertThat(polls[0]).isEqualTo(2);
    }

    @Test
    void reinitOffersToCancelARunningTask() {
        m2.reply("POST /reinitialize", q -> q.body().contains("\"force\":true")
                ? new FakeMember.Reply(200, "reinitialize started")
                : new FakeMember.Reply(503, "reinitialize already in progress"));
        CtlFixture.Result r = f.run("y\ny\n", "reinit", "batman", "m2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Are you sure you want to reinitialize members m2? [y/N]: ")
                .contains("Failed: reinitialize for member m2, status code=503, (reinitialize already in progress)")
                .contains("Do you want to cancel it and reinitialize anyway? [y/N]: ")
                .contains("Success: reinitialize for member m2");
        assertThat(m2.requests).hasSize(2);
    }

    @Test
    void pauseAndResumePatchTheConfigOnTheLeader() throws Exception {
        m1.reply("PATCH /config", 200, "{}");
        CtlFixture.Result p = f.run("", "pause");
        assertThat(p.out()).isEqualTo("Success: cluster management is paused\n");
        assertThat(m1.requests.get(0)).isEqualTo(new FakeMember.Request("PATCH", "/config", "{\"pause\":true}", null));
        f.put("config", "{\"loop_wait\": 10, \"pause\": true}");
        assertThat(f.run("", "pause").err().strip()).isEqualTo("Error: Cluster is already paused");
        CtlFixture.Result r = f.run("", "resume");
        assertThat(r.out()).isEqualTo("Success: cluster management is resumed\n");
        assertThat(m1.requests.get(1).body()).isEqualTo("{\"pause\":null}");
    }

    @Test
    void demoteClusterPatchesTheStandbyClusterOnTheLeaderAndWaitsForTheStandbyLeaderRole() throws Exception {
        CtlFixture.Result none = f.run("", "demote-cluster", "--force");
        assertThat(none.code()).isOne();
        assertThat(none.err().strip()).isEqualTo("Error: At least --host, --port or --restore-command should be "
                + "specified");
        CtlFixture.Result declined = f.run("n\n", "demote-cluster", "--host", "10.0.0.9");
        assertThat(declined.out()).startsWith("Current cluster topology\n+ Cluster: batman")
                .contains("Are you sure you want to demote batman cluster? [y/N]");
        assertThat(declined.err().strip()).isEqualTo("Error: Aborted cluster demotion");
        assertThat(m1.requests).isEmpty();
        m1.reply("PATCH /config", q -> {
            try {
                f.member("m1", "\"role\": \"standby_leader\", \"state\": \"running\"", 5432);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return new FakeMember.Reply(200, "{}");
        });
        CtlFixture.Result r = f.run("", "demote-cluster", "--host", "10.0.0.9", "--port", "5433",
                "--primary-slot-name", "pm_1", "--restore-command", "cp /a/%f %p", "--force");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(m1.requests).containsExactly(new FakeMember.Request("PATCH", "/config", "{\"standby_cluster\":"
                + "{\"host\":\"10.0.0.9\",\"port\":5433,\"primary_slot_name\":\"pm_1\",\"restore_command\":"
                + "\"cp /a/%f %p\"}}", null));
        assertThat(r.out()).contains("Cluster batman successfully demoted").contains("Standby Leader");
        CtlFixture.Result again = f.run("", "demote-cluster", "--host", "10.0.0.9", "--force");
        assertThat(again.err().strip()).isEqualTo("Error: Cluster is already in the required state");
    }

    /** As Patroni 4.1: the new role alone is not enough, the leader must run with it (a restart is under way). */
    @Test
    void demoteClusterWaitsForTheStandbyLeaderToRun() throws Exception {
        m1.reply("PATCH /config", q -> {
            try {
                f.member("m1", "\"role\": \"standby_leader\", \"state\": \"starting\"", 5432);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return new FakeMember.Reply(200, "{}");
        });
        f.maxSleeps = 3;
        CtlFixture.Result r = f.run("", "demote-cluster", "--host", "10.0.0.9", "--force");
        assertThat(r.code()).isOne();
        assertThat(r.out()).doesNotContain("successfully demoted");
        assertThat(r.err().strip()).isEqualTo("Error: Timed out waiting for cluster batman to be demoted (leader role "
                + "standby_leader and state running not reported)");
    }

    @Test
    void promoteClusterPatchesNullAndWaitsForThePrimaryRole() throws Exception {
        assertThat(f.run("", "promote-cluster", "--force").err().strip())
                .isEqualTo("Error: Cluster is already in the required state");
        f.member("m1", "\"role\": \"standby_leader\", \"state\": \"running\"", 5432);
        m1.reply("PATCH /config", q -> {
            try {
                f.member("m1", "\"role\": \"primary\", \"state\": \"running\"", 5432);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return new FakeMember.Reply(200, "{}");
        });
        CtlFixture.Result r = f.run("y\n", "promote-cluster");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Are you sure you want to promote batman cluster? [y/N]")
                .contains("Cluster batman successfully promoted");
        assertThat(m1.requests).containsExactly(new FakeMember.Request("PATCH", "/config",
                "{\"standby_cluster\":null}", null));
    }

    @Test
    void pauseWaitPollsMemberKeysAndSkipsAnUnreachableLeader() throws Exception {
        m1.close();
        m2.reply("PATCH /config", q -> {
            try {
                for (String n : List.of("m1", "m2", "m3")) {
                    f.member(n, "\"role\": \"replica\", \"state\": \"running\", \"pause\": true", 5432);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return new FakeMember.Reply(200, "{}");
        });
        f.maxSleeps = 5;
        CtlFixture.Result r = f.run("", "pause", "--wait");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("Member m1 is not accessible");
        assertThat(r.out()).isEqualTo("'pause' request sent, waiting until it is recognized by all nodes\n"
                + "Success: cluster management is paused\n");
    }

    @Test
    void flushScheduledRestartsAndSwitchover() throws Exception {
        f.member("m2", "\"role\": \"replica\", \"state\": \"running\", \"scheduled_restart\": {\"schedule\":"
                + " \"2030-01-01T10:00:00+00:00\"}", 5433);
        m2.reply("DELETE /restart", 200, "scheduled restart deleted");
        CtlFixture.Result r = f.run("", "flush", "batman", "restart", "--force");
        assertThat(r.out()).endsWith("+\nNo scheduled restart for member m1\n"
                + "Success: flush scheduled restart for member m2\nNo scheduled restart for member m3\n");
        assertThat(f.run("", "flush", "batman", "switchover").out()).isEqualTo("No pending scheduled switchover\n");
        f.put("failover", "{\"leader\": \"m1\", \"scheduled_at\": \"2030-01-01T10:00:00+00:00\"}");
        m1.reply("DELETE /switchover", 200, "scheduled switchover deleted");
        assertThat(f.run("", "flush", "batman", "switchover").out()).isEqualTo("Success: scheduled switchover deleted\n");
        assertThat(f.run("", "flush", "batman", "everything").code()).isEqualTo(2);
    }

    @Test
    void flushSwitchoverFallsBackToTheDcs() throws Exception {
        f.put("failover", "{\"leader\": \"m1\", \"scheduled_at\": \"2030-01-01T10:00:00+00:00\"}");
        f.members.values().forEach(FakeMember::close);
        CtlFixture.Result r = f.run("", "flush", "batman", "switchover");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Could not find any accessible member of cluster batman");
        assertThat(f.get("failover")).isEqualTo("{}");
    }

    @Test
    void versionAsksEachMember() {
        m1.reply("GET /patroni", 200, "{\"patroni\": {\"version\": \"4.1.4\"}, \"server_version\": 150004}");
        m2.reply("GET /patroni", 200, "{\"patroni\": {\"version\": \"4.1.4\"}, \"server_version\": 90624}");
        CtlFixture.Result r = f.run("", "version", "batman", "m1", "m2");
        assertThat(r.out()).endsWith("\nm1: Patroni 4.1.4 PostgreSQL 15.4\nm2: Patroni 4.1.4 PostgreSQL 9.6.24\n");
        assertThat(m3.requests).isEmpty();
    }

    @Test
    void basicAuthFromTheCtlSection() throws Exception {
        java.nio.file.Files.writeString(f.configFile, "scope: batman\netcd3:\n  host: h:1\nctl:\n  authentication:\n"
                + "    username: admin\n    password: secret\n");
        m1.reply("POST /reload", 202, "reload scheduled");
        f.run("", "reload", "batman", "m1", "--force");
        assertThat(m1.requests.get(0).authorization()).isEqualTo("Basic YWRtaW46c2VjcmV0");
    }
}
