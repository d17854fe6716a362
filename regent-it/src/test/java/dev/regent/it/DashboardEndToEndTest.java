package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.testkit.FreePorts;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The built-in dashboard in a real browser: Debian's {@code chromium}, headless, driven through Debian's
 * {@code chromedriver} by Selenium (both paths set explicitly: nothing is downloaded), against a live 3-node cluster
 * on etcd whose REST API requires basic auth. The page shows the leader; the operator types the credentials (a wrong
 * password is refused and changes nothing), switches over to a named member after confirming, and sees the new leader
 * and the new decisions. The screenshot of the page ends up in {@code regent-it/target/dashboard.png} (the README's
 * {@code docs/dashboard.png} is a copy of one).
 */
class DashboardEndToEndTest {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static final String USER = "dash-admin";
    private static final String PASSWORD = "dash-s3cret";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static LocalCluster cluster;
    private static ChromeDriverService service;
    private static WebDriver browser;
    private static Path profile;

    @BeforeAll
    static void start() throws Exception {
        assertThat(CHROMIUM).as("Debian's chromium (apt-get install chromium)").isExecutable();
        assertThat(CHROMEDRIVER).as("Debian's chromedriver (apt-get install chromium-driver)").isExecutable();
        cluster = LocalCluster.create(3, 20, 2, 4);
        for (int i = 0; i < 3; i++) {
            Path yml = cluster.dir().resolve("node" + i + ".yml");
            String listen = "  listen: 127.0.0.1:" + cluster.layout().restPort(i) + "\n";
            String text = Files.readString(yml);
            assertThat(text).contains(listen);
            Files.writeString(yml, text.replace(listen, listen + "  authentication:\n    username: " + USER
                    + "\n    password: " + PASSWORD + "\n"));
            cluster.node(i).start();
        }
        profile = Files.createTempDirectory("regent-chromium-");
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingPort(FreePorts.one()).withLogFile(cluster.dir().resolve("chromedriver.log").toFile()).build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1500,1000", "--user-data-dir=" + profile,
                "--remote-debugging-port=" + FreePorts.one());
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (browser != null) browser.quit();
            if (service != null) service.stop();
        } finally {
            if (cluster != null) cluster.close();
            if (profile != null) {
                try (var files = Files.walk(profile)) {
                    files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
                }
            }
        }
    }

    /**
     * The text of the elements {@code selector} finds, read in one script run: the page rebuilds its tables at each
     * refresh, so element references would go stale between finding and reading.
     */
    @SuppressWarnings("unchecked")
    private static List<String> texts(String selector) {
        return (List<String>) ((JavascriptExecutor) browser).executeScript(
                "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText);", selector);
    }

    private static String text(String id) {
        List<String> t = texts("#" + id);
        return t.isEmpty() ? "" : t.get(0);
    }

    private static String row(String member) {
        List<String> t = texts("#members tr[data-member='" + member + "']");
        return t.isEmpty() ? "" : t.get(0);
    }

    /** What the page shows, for assertion messages. */
    private static String pageState() {
        return "\n--- page: leader=" + text("leader") + " me=" + text("me") + " refreshed=" + text("refreshed")
                + " members=" + texts("#members tr") + " decisions=" + decisions().size() + " result=" + text("result");
    }

    private static List<String> decisions() {
        return texts("#decisions li");
    }

    private static void confirm(String expected) throws Exception {
        WebElement overlay = browser.findElement(By.id("overlay"));
        ClusterEndToEndTest.awaitTrue("the confirmation dialog", Duration.ofSeconds(5), overlay::isDisplayed);
        assertThat(text("confirm-text")).contains(expected);
        browser.findElement(By.id("confirm-yes")).click();
        assertThat(overlay.isDisplayed()).isFalse();
    }

    private static void type(String id, String value) {
        WebElement e = browser.findElement(By.id(id));
        e.clear();
        e.sendKeys(value);
    }

    @Test
    void switchoverFromTheDashboard() throws Exception {
        ClusterView before = cluster.awaitHealthy(HEALTHY);
        String leader = before.leader().name();
        String candidate = before.members().stream().map(Member::name).filter(n -> !n.equals(leader)).sorted()
                .findFirst().orElseThrow();
        int page = cluster.index(leader);
        browser.get("http://127.0.0.1:" + cluster.layout().restPort(page) + "/dashboard?refresh=1");
        ClusterEndToEndTest.awaitTrue("the page shows leader " + leader, Duration.ofSeconds(20),
                () -> text("leader").equals(leader) && texts("#members tr").size() == 3
                        && !decisions().isEmpty() && text("me").equals(leader),
                DashboardEndToEndTest::pageState);
        assertThat(row(leader)).contains(leader, "leader", "running");
        assertThat(text("pause")).isEqualTo("running");
        List<String> story = decisions();
        assertThat(story).anyMatch(d -> d.contains("bootstrap"));

        // a wrong password: the server refuses, nothing happens
        browser.findElement(By.cssSelector("#candidate option[value='" + candidate + "']")).click();
        type("user", USER);
        type("password", "wrong");
        browser.findElement(By.id("switchover")).click();
        confirm("Switch over from " + leader + " to " + candidate + "?");
        ClusterEndToEndTest.awaitTrue("the refusal", Duration.ofSeconds(20),
                () -> text("result").contains("401 not authenticated"));
        assertThat(cluster.cluster().leader().name()).isEqualTo(leader);

        // the right one: the switchover runs
        type("password", PASSWORD);
        browser.findElement(By.id("switchover")).click();
        confirm("Switch over from " + leader + " to " + candidate + "?");
        ClusterEndToEndTest.awaitTrue("the switchover's answer", Duration.ofSeconds(60),
                () -> text("result").contains("200 Successfully switched over to \"" + candidate + "\""),
                () -> text("result"));
        ClusterEndToEndTest.awaitTrue("the page shows leader " + candidate, Duration.ofSeconds(20),
                () -> text("leader").equals(candidate));
        ClusterEndToEndTest.awaitTrue("the new decisions of " + leader, Duration.ofSeconds(30),
                () -> decisions().stream().filter(d -> !story.contains(d)).anyMatch(
                        d -> d.contains("switchover") && d.contains(candidate)),
                () -> String.join("\n", decisions()));
        ClusterEndToEndTest.awaitTrue("the table shows " + leader + " streaming", Duration.ofSeconds(60),
                () -> row(leader).contains("streaming"));
        ClusterEndToEndTest.awaitTrue("the timeline history names " + candidate, Duration.ofSeconds(20),
                () -> texts("#history tr").stream().findFirst().orElse("").endsWith(candidate));
        assertThat(cluster.cluster().leader().name()).isEqualTo(candidate);

        // pause from the page: the badge and this member's ledger say so (the screenshot for the README shows it)
        browser.findElement(By.id("pause-btn")).click();
        confirm("Pause the cluster");
        ClusterEndToEndTest.awaitTrue("the paused badge", Duration.ofSeconds(20),
                () -> text("pause").startsWith("paused") && text("result").equals("Pause: 200 the cluster is paused"),
                DashboardEndToEndTest::pageState);
        assertThat(cluster.cluster().isPaused()).isTrue();
        ClusterEndToEndTest.awaitTrue("the pause decision", Duration.ofSeconds(20),
                () -> decisions().get(0).contains("pause"), DashboardEndToEndTest::pageState);
        Path shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath();
        // into target/, not docs/: a test run leaves the work tree clean (copy it to docs/ by hand to refresh the README)
        Path target = Path.of("target", "dashboard.png");
        Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(target)).isGreaterThan(10_000);
        browser.findElement(By.id("resume-btn")).click();
        confirm("Resume");
        ClusterEndToEndTest.awaitTrue("the running badge", Duration.ofSeconds(20),
                () -> text("pause").equals("running") && text("result").equals("Resume: 200 the cluster is resumed"),
                DashboardEndToEndTest::pageState);
        assertThat(cluster.cluster().isPaused()).isFalse();
    }
}
