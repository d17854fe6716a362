package dev.regent.daemon.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /dashboard} on a real {@link RestApiServer} with basic auth configured: served without credentials like
 * the other GET endpoints, self-contained, locked down by its headers, switched off as Patroni's health check; and
 * the cross-site refusal of unsafe requests, which browsers' requests made by other sites meet and non-browser
 * clients (no {@code Origin}, no {@code Sec-Fetch-Site}) never do.
 */
class DashboardEndpointTest {
    private static final String PASSWORD = "dashboard-s3cret";
    static RestFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = new RestFixture("admin", PASSWORD);
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @BeforeEach
    void reset() {
        f.server.setDashboard(true);
        f.control.setView(Fixtures.cluster());
        f.control.calls.clear();
    }

    /** A request with the given extra headers (name, value, ...); {@code auth} adds the fixture's credentials. */
    private static HttpResponse<String> send(String method, String path, String body, boolean auth, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(f.uri(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (auth) b.header("Authorization", f.authorization);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return f.client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theDashboardIsServedWithoutCredentialsAndHoldsNone() throws Exception {
        HttpResponse<String> r = send("GET", "/dashboard", null, false);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(r.body()).startsWith("<!DOCTYPE html>").contains("<title>Regent dashboard</title>")
                .doesNotContain(PASSWORD).doesNotContain("admin:").doesNotContain("localStorage")
                .doesNotContain("sessionStorage").doesNotContain("document.cookie");
        // the page reads and calls only endpoints this API serves
        for (String path : new String[] {"/cluster", "/history", "/decisions", "/patroni", "/switchover", "/config",
                "/restart", "/reinitialize"}) {
            assertThat(r.body()).contains("\"" + path);
        }
        // a GET endpoint, so credentials change nothing (and a wrong password is not checked either)
        assertThat(send("GET", "/dashboard", null, true).body()).isEqualTo(r.body());
        assertThat(send("GET", "/dashboard", null, false, "Authorization", "Basic d3Jvbmc6d3Jvbmc=").statusCode())
                .isEqualTo(200);
    }

    @Test
    void thePageIsSelfContainedAndItsHeadersAllowOnlyItsOwnInlineCode() throws Exception {
        HttpResponse<String> r = send("GET", "/dashboard", null, false);
        String page = r.body();
        // no external asset: nothing loaded by URL, and the only absolute URL is the SVG namespace name
        assertThat(page).doesNotContain("<link").doesNotContain("<script src").doesNotContain("@import")
                .doesNotContain("url(").doesNotContain("<img").doesNotContain("<iframe");
        assertThat(page.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http://")
                .doesNotContain("https://\"").doesNotContain("//cdn");
        String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("default-src 'none'", "connect-src 'self'", "frame-ancestors 'none'",
                "form-action 'none'").doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
        assertThat(csp).contains("script-src " + hash(block("script", page)))
                .contains("style-src " + hash(block("style", page)));
        assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @Test
    void switchedOffTheDashboardPathIsPatronisHealthCheck() throws Exception {
        f.server.setDashboard(false);
        HttpResponse<String> off = send("GET", "/dashboard", null, false);
        HttpResponse<String> health = send("GET", "/anything-else", null, false);
        assertThat(off.statusCode()).isEqualTo(health.statusCode());
        assertThat(off.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(Json.tree(off.body())).isEqualTo(Json.tree(health.body()));
        assertThat(off.body()).doesNotContain("<html");
        f.server.setDashboard(true);
        assertThat(send("GET", "/dashboard", null, false).body()).contains("<title>Regent dashboard</title>");
    }

    @Test
    void unsafeRequestsOfOtherSitesAreRefusedBeforeAuthentication() throws Exception {
        String body = "{\"pause\":true}";
        for (String[] h : new String[][] {{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "same-site"},
                {"Origin", "http://evil.example"}, {"Origin", "null"},
                {"Origin", "http://127.0.0.1:1"}}) {
            for (boolean auth : new boolean[] {true, false}) {
                HttpResponse<String> r = send("PATCH", "/config", body, auth, h);
                assertThat(r.statusCode()).as(h[0] + ": " + h[1] + " auth=" + auth).isEqualTo(403);
                assertThat(r.body()).startsWith("cross-site request refused (" + h[0] + ": " + h[1]);
            }
        }
        HttpResponse<String> restart = send("POST", "/restart", "{}", true, "Sec-Fetch-Site", "cross-site",
                "Origin", "http://evil.example");
        assertThat(restart.statusCode()).isEqualTo(403);
        assertThat(f.control.calls).noneMatch(c -> c.startsWith("patchConfig") || c.startsWith("requestRestart"));
    }

    @Test
    void theDashboardsOwnCallsAndNonBrowserClientsGoOn() throws Exception {
        String self = "http://127.0.0.1:" + f.server.port();
        // the dashboard's fetch: same origin, by either header; then basic auth decides as before
        assertThat(send("PATCH", "/config", "{\"ttl\":21}", true, "Sec-Fetch-Site", "same-origin", "Origin", self)
                .statusCode()).isEqualTo(200);
        assertThat(send("PATCH", "/config", "{\"ttl\":22}", true, "Origin", self).statusCode()).isEqualTo(200);
        HttpResponse<String> noAuth = send("PATCH", "/config", "{\"ttl\":23}", false, "Sec-Fetch-Site",
                "same-origin");
        assertThat(noAuth.statusCode()).isEqualTo(401);
        assertThat(noAuth.body()).isEqualTo("no auth header received");
        // a URL typed by the user, and curl / regentctl / patronictl, which send neither header
        assertThat(send("PATCH", "/config", "{\"ttl\":24}", true, "Sec-Fetch-Site", "none").statusCode())
                .isEqualTo(200);
        assertThat(send("PATCH", "/config", "{\"ttl\":25}", true).statusCode()).isEqualTo(200);
        assertThat(f.control.calls.stream().filter(c -> c.startsWith("patchConfig"))).hasSize(4);
        // GET endpoints are not concerned: other sites' pages may not read them anyway (no CORS headers)
        assertThat(send("GET", "/cluster", null, false, "Sec-Fetch-Site", "cross-site").statusCode()).isEqualTo(200);
    }

    private static String block(String tag, String page) {
        Matcher m = Pattern.compile("<" + tag + ">(.*?)</" + tag + ">", Pattern.DOTALL).matcher(page);
        assertThat(m.find()).as("a <" + tag + "> block").isTrue();
        String text = m.group(1);
        assertThat(m.find()).as("one <" + tag + "> block only").isFalse();
        return text;
    }

    private static String hash(String text) throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        return "'sha256-" + Base64.getEncoder().encodeToString(d) + "'";
    }
}
