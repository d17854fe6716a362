package dev.regent.dcs.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.dcs.KeyValue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The voting-only witness: argument handling and its vote in a majority. */
class RaftWitnessTest {

    private static String runBadly(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = RaftWitness.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(out.size()).isZero();
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void badArgumentsPrintOneErrorAndTheUsage() {
        assertThat(runBadly("--self-addr")).startsWith("raft-witness: --self-addr needs a value\n")
                .contains(RaftWitness.USAGE);
        assertThat(runBadly("--bogus", "1")).startsWith("raft-witness: unknown argument '--bogus'");
        assertThat(runBadly("--self-addr", "127.0.0.1:1", "--data-dir", "/tmp/x"))
                .contains("--partner-addrs (or PATRONI_RAFT_PARTNER_ADDRS) is required");
        assertThat(runBadly("--self-addr", "127.0.0.1", "--partner-addrs", "127.0.0.1:2", "--data-dir", "/tmp/x"))
                .contains("--self-addr must be host:port");
        assertThat(runBadly("--self-addr", "127.0.0.1:1", "--partner-addrs", "x", "--data-dir", "/tmp/x"))
                .contains("--partner-addrs must be host:port");
    }

    @Test
    void flagsOverrideTheEnvironment() throws Exception {
        Path file = Files.createTempFile("raft-password", "");
        try {
            Files.writeString(file, "current-password-0123\n\n  previous-password-4567  \n");
            RaftWitness.Options o = RaftWitness.parse(new String[] {"--self-addr=127.0.0.1:5", "--password-file",
                file.toString()}, Map.of("PATRONI_RAFT_SELF_ADDR", "127.0.0.1:9", "PATRONI_RAFT_PARTNER_ADDRS",
                    "127.0.0.1:6,127.0.0.1:7", "PATRONI_RAFT_DATA_DIR", "/d", "PATRONI_RAFT_BIND_ADDR", "0.0.0.0:5",
                    "PATRONI_RAFT_PASSWORD", "from-the-environment"));
            assertThat(o).isEqualTo(new RaftWitness.Options("127.0.0.1:5", List.of("127.0.0.1:6", "127.0.0.1:7"),
                    Path.of("/d"), RaftCredentials.peers(List.of("current-password-0123", "previous-password-4567")),
                    "0.0.0.0:5"));
            assertThat(o.toString()).doesNotContain("password-0123").doesNotContain("password-4567");
        } finally {
            Files.delete(file);
        }
        RaftWitness.Options fromEnv = RaftWitness.parse(new String[0], Map.of("PATRONI_RAFT_SELF_ADDR", "127.0.0.1:9",
                "PATRONI_RAFT_PARTNER_ADDRS", "127.0.0.1:6", "PATRONI_RAFT_DATA_DIR", "/d",
                "PATRONI_RAFT_PASSWORD", "from-the-environment"));
        assertThat(fromEnv.passwords()).containsExactly("from-the-environment");
    }

    @Test
    void theClientCredentialComesFromAFileOrTheEnvironmentWithTheOffset() throws Exception {
        Path file = Files.createTempFile("raft-client-password", "");
        try {
            Files.writeString(file, "client-password-0123\nold-client-password\n");
            RaftWitness.Options o = RaftWitness.parse(new String[] {"--self-addr", "127.0.0.1:5", "--partner-addrs",
                "127.0.0.1:7", "--data-dir", "/d", "--client-password-file", file.toString(),
                "--client-port-offset", "100"}, Map.of("PATRONI_RAFT_PASSWORD", "peer-password"));
            assertThat(o.credentials()).isEqualTo(new RaftCredentials(List.of("peer-password"),
                    List.of("client-password-0123", "old-client-password"), 100));
            assertThat(o.toString()).doesNotContain("password-0123").doesNotContain("peer-password");
        } finally {
            Files.delete(file);
        }
        RaftWitness.Options fromEnv = RaftWitness.parse(new String[] {"--self-addr", "127.0.0.1:5",
            "--partner-addrs", "127.0.0.1:7", "--data-dir", "/d"}, Map.of("PATRONI_RAFT_PASSWORD", "peer-password",
                "PATRONI_RAFT_CLIENT_PASSWORD", "client-from-env", "PATRONI_RAFT_CLIENT_PORT_OFFSET", "1000"));
        assertThat(fromEnv.credentials()).isEqualTo(new RaftCredentials(List.of("peer-password"),
                List.of("client-from-env"), 1000));
        assertThat(runBadly("--self-addr", "127.0.0.1:1", "--partner-addrs", "127.0.0.1:2", "--data-dir", "/tmp/x",
                "--client-password", "secret")).contains("--client-password is not accepted").doesNotContain("secret");
        assertThat(runBadly("--self-addr", "127.0.0.1:1", "--partner-addrs", "127.0.0.1:3", "--data-dir", "/tmp/x",
                "--client-port-offset", "5")).contains("--client-port-offset needs --client-password-file");
    }

    @Test
    void noPasswordOnTheCommandLineAndNonePlaintextOffLoopback() {
        assertThat(runBadly("--self-addr", "127.0.0.1:1", "--partner-addrs", "127.0.0.1:2", "--data-dir", "/tmp/x",
                "--password", "secret")).contains("--password is not accepted").contains("visible to every user in ps")
                .doesNotContain("secret");
        assertThat(runBadly("--self-addr", "10.0.0.3:2222", "--partner-addrs", "10.0.0.1:2222", "--data-dir",
                "/tmp/x")).contains("--password-file is not set and 10.0.0.1:2222 is not a loopback address")
                .contains("--insecure true");
        assertThat(runBadly("--self-addr", "127.0.0.1:1", "--partner-addrs", "127.0.0.1:2", "--data-dir", "/tmp/x",
                "--password-file", "/nonexistent/raft-password")).contains("--password-file /nonexistent/raft-password"
                + " cannot be read");
        RaftWitness.Options accepted = RaftWitness.parse(new String[] {"--self-addr", "10.0.0.3:2222",
            "--partner-addrs", "10.0.0.1:2222", "--data-dir", "/tmp/x", "--insecure", "true"}, Map.of());
        assertThat(accepted.passwords()).isEmpty();
    }

    @Test
    void aWitnessAndTwoPeersFormAMajorityThatSurvivesLosingAPeer() throws Exception {
        Path dir = Files.createTempDirectory("regent-raft-witness");
        List<String> addrs = List.of("127.0.0.1:" + RaftTestGroup.freePort(), "127.0.0.1:" + RaftTestGroup.freePort(),
                "127.0.0.1:" + RaftTestGroup.freePort());
        RaftKvServer witness = RaftWitness.start(RaftWitness.parse(new String[] {"--self-addr", addrs.get(0),
            "--partner-addrs", addrs.get(1) + "," + addrs.get(2), "--data-dir", dir.resolve("w").toString()
            }, Map.of("PATRONI_RAFT_PASSWORD", "pw")));
        RaftKvServer a = RaftKvServer.start(addrs.get(1), null, addrs, dir.resolve("a"), "pw");
        RaftKvServer b = RaftKvServer.start(addrs.get(2), null, addrs, dir.resolve("b"), "pw");
        try (RaftKeyValueStore onA = new RaftKeyValueStore(a, false, Duration.ofSeconds(5), Duration.ofSeconds(10))) {
            assertThat(onA.create("/x/leader", "a", false)).isTrue();
            b.close();
            assertThat(onA.create("/x/config", "{}", false)).as("witness + a are a majority").isTrue();
            assertThat(onA.getPrefix("/x/")).extracting(KeyValue::key).containsExactly("/x/config", "/x/leader");
            assertThat(witness.stateMachine().localRead("/x/").kvs()).extracting(KeyValue::key)
                    .contains("/x/leader");
        } finally {
            a.close();
            b.close();
            witness.close();
            RaftTestGroup.deleteTree(dir);
        }
    }
}
