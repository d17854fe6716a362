package dev.regent.daemon.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.FailsafeAnswer;
import dev.regent.daemon.loop.HttpFailsafeCaller;
import dev.regent.time.Ticker;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /failsafe} and {@code POST /failsafe} on a real REST server (Patroni's codes, body and auth), and the
 * primary's side of the exchange ({@link HttpFailsafeCaller}) against it.
 */
class FailsafeEndpointsTest {
    private static final String BODY = "{\"name\":\"pg0\",\"conn_url\":\"postgres://10.0.0.1:5432/postgres\","
            + "\"api_url\":\"http://10.0.0.1:8008/patroni\"}";
    static RestFixture f;
    static RestFixture secured;

    @BeforeAll
    static void start() throws Exception {
        f = new RestFixture();
        secured = new RestFixture("admin", "s3cret");
    }

    @AfterAll
    static void stop() {
        f.close();
        secured.close();
    }

    @BeforeEach
    void reset() {
        for (RestFixture x : new RestFixture[] {f, secured}) {
            x.control.calls.clear();
            x.control.failsafeOn = true;
            x.control.failsafeTopology = null;
            x.control.failsafeReply = new NodeControl.FailsafeReply(200, "Accepted", 1234L);
        }
        secured.authorization = "Basic " + java.util.Base64.getEncoder().encodeToString("admin:s3cret".getBytes());
    }

    @Test
    void getAnswersTheLastKnownTopologyOr502() throws Exception {
        assertThat(f.get("/failsafe").statusCode()).isEqualTo(502);
        f.control.failsafeTopology = Map.of("pg0", "http://10.0.0.1:8008/patroni");
        HttpResponse<String> r = f.get("/failsafe");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Json.tree(r.body())).isEqualTo(Json.tree("{\"pg0\":\"http://10.0.0.1:8008/patroni\"}"));
    }

    @Test
    void postIsAcceptedWithTheLsnHeader() throws Exception {
        HttpResponse<String> r = f.send("POST", "/failsafe", BODY);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("Accepted");
        assertThat(r.headers().firstValue("lsn")).contains("1234");
        assertThat(f.control.calls).containsExactly(
                "acceptFailsafe pg0 postgres://10.0.0.1:5432/postgres http://10.0.0.1:8008/patroni");
    }

    @Test
    void theSlotsOfTheBodyAreHandedOnWithTheRequest() throws Exception {
        // Patroni 4's body: the primary's slot positions; a slot without a position (null) is left out
        String body = BODY.substring(0, BODY.length() - 1)
                + ",\"slots\":{\"perm_phys\":5000,\"perm_logical\":6000,\"unreserved\":null}}";
        HttpResponse<String> r = f.send("POST", "/failsafe", body);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(f.control.calls).containsExactly("acceptFailsafe pg0 postgres://10.0.0.1:5432/postgres "
                + "http://10.0.0.1:8008/patroni {perm_logical=6000, perm_phys=5000}");
    }

    @Test
    void slotsNullAsAPatroni30PrimaryMaySendIsAccepted() throws Exception {
        String body = BODY.substring(0, BODY.length() - 1) + ",\"slots\":null}";
        assertThat(f.send("POST", "/failsafe", body).statusCode()).isEqualTo(200);
        assertThat(f.control.calls).containsExactly(
                "acceptFailsafe pg0 postgres://10.0.0.1:5432/postgres http://10.0.0.1:8008/patroni");
    }

    @Test
    void slotsThatAreNotPositionsAre400NamingTheEntry() throws Exception {
        String prefix = BODY.substring(0, BODY.length() - 1);
        HttpResponse<String> list = f.send("POST", "/failsafe", prefix + ",\"slots\":[1,2]}");
        assertThat(list.statusCode()).isEqualTo(400);
        assertThat(list.body()).contains("'slots' must be an object of slot name to LSN");
        HttpResponse<String> text = f.send("POST", "/failsafe", prefix + ",\"slots\":{\"s1\":\"0/3000060\"}}");
        assertThat(text.statusCode()).isEqualTo(400);
        assertThat(text.body()).contains("'slots' entry 's1' must be a non-negative integer LSN");
        assertThat(f.send("POST", "/failsafe", prefix + ",\"slots\":{\"s1\":-1}}").statusCode()).isEqualTo(400);
        assertThat(f.control.calls).isEmpty();
    }

    @Test
    void aRunningPrimaryRefusesWith500() throws Exception {
        f.control.failsafeReply = new NodeControl.FailsafeReply(500, "Running as a leader", null);
        HttpResponse<String> r = f.send("POST", "/failsafe", BODY);
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).isEqualTo("Running as a leader");
        assertThat(r.headers().firstValue("lsn")).isEmpty();
    }

    @Test
    void failsafeModeOffIs502AndNothingIsAccepted() throws Exception {
        f.control.failsafeOn = false;
        HttpResponse<String> r = f.send("POST", "/failsafe", BODY);
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(f.control.calls).isEmpty();
    }

    @Test
    void aBodyWithoutTheLeadersUrlsIs400NamingTheKey() throws Exception {
        HttpResponse<String> r = f.send("POST", "/failsafe", "{\"name\":\"pg0\",\"api_url\":\"http://x/patroni\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("'conn_url' must be a non-empty string");
        assertThat(f.send("POST", "/failsafe", "[1]").statusCode()).isEqualTo(400);
        assertThat(f.control.calls).isEmpty();
    }

    @Test
    void postNeedsTheRestApiCredentials() throws Exception {
        secured.authorization = null;
        HttpResponse<String> none = secured.send("POST", "/failsafe", BODY);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(secured.control.calls).isEmpty();
        secured.authorization = "Basic " + java.util.Base64.getEncoder().encodeToString("admin:s3cret".getBytes());
        assertThat(secured.send("POST", "/failsafe", BODY).statusCode()).isEqualTo(200);
    }

    @Test
    void theCallerCountsOnly200AcceptedAsAcceptanceAndReadsTheLsn() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        secured.control.failsafeReply = new NodeControl.FailsafeReply(500, "Running as a leader", null);
        Map<String, String> members = Map.of(
                "pg1", "http://127.0.0.1:" + f.server.port() + "/patroni",
                "pg2", "http://127.0.0.1:" + secured.server.port() + "/patroni",
                "pg3", "http://127.0.0.1:" + closedPort + "/patroni");
        long started = System.nanoTime();
        Map<String, FailsafeAnswer> answers = new HttpFailsafeCaller(Ticker.SYSTEM, "admin", "s3cret")
                .ask(members, BODY);
        assertThat((System.nanoTime() - started) / 1_000_000).as("bounded round").isLessThan(5_000);
        assertThat(answers.get("pg1")).isEqualTo(new FailsafeAnswer("pg1", true, 1234L));
        assertThat(answers.get("pg2")).as("500 Running as a leader").isEqualTo(FailsafeAnswer.none("pg2"));
        assertThat(answers.get("pg3")).as("connection refused").isEqualTo(FailsafeAnswer.none("pg3"));
        assertThat(secured.control.calls).as("the credentials were sent").hasSize(1);
        // without credentials the secured member refuses (401), which is no acceptance
        secured.control.failsafeReply = new NodeControl.FailsafeReply(200, "Accepted", null);
        Map<String, FailsafeAnswer> anonymous = new HttpFailsafeCaller(Ticker.SYSTEM, null, null)
                .ask(Map.of("pg2", members.get("pg2")), BODY);
        assertThat(anonymous.get("pg2").accepted()).isFalse();
    }
}
