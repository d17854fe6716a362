package dev.regent.daemon.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.config.LogConfig;
import dev.regent.core.config.PythonLogFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code log} section applied to a real Logback context (one per test, not the test JVM's): lines written by
 * the queue's writer thread to a real {@code patroni.log}, read back from disk.
 */
class LogSetupTest {
    @TempDir
    Path dir;

    private final LoggerContext ctx = newContext();
    private final LogSetup setup = new LogSetup(ctx, Map.of());

    @AfterEach
    void stop() {
        setup.close();
        ctx.stop();
    }

    private static LoggerContext newContext() {
        LoggerContext c = new LoggerContext();
        c.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        return c;
    }

    /** Patroni's defaults writing to {@code dir}, with {@code change} applied. */
    private LogConfig config(java.util.function.UnaryOperator<Builder> change) {
        return change.apply(new Builder(dir.toString())).build();
    }

    private List<String> lines() throws IOException {
        assertThat(setup.flush()).as("the writer caught up").isTrue();
        return Files.readAllLines(dir.resolve("patroni.log"));
    }

    @Test
    void theDefaultLineIsByteIdenticalToTheClassPathLogbackXml() throws Exception {
        // the same events through logback.xml (the format Regent had before the log section) and through LogSetup
        LoggerContext xml = newContext();
        ByteArrayOutputStream viaXml = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(viaXml, true, StandardCharsets.UTF_8));
        try {
            JoranConfigurator jc = new JoranConfigurator();
            jc.setContext(xml);
            jc.doConfigure(getClass().getResource("/logback.xml"));
            logSample(xml.getLogger("dev.regent.daemon.loop.HaLoop"));
            xml.stop();
        } finally {
            System.setErr(err);
        }
        setup.apply(config(b -> b));
        logSample(ctx.getLogger("dev.regent.daemon.loop.HaLoop"));
        byte[] mine = Files.readAllBytes(flushed());
        String expected = viaXml.toString(StandardCharsets.UTF_8);
        // timestamps differ between the two runs; everything else is the same bytes
        assertThat(stripTimes(new String(mine, StandardCharsets.UTF_8))).isEqualTo(stripTimes(expected));
        assertThat(new String(mine, StandardCharsets.UTF_8)).containsPattern(
                "(?m)^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} INFO: no action. I am \\(pg0\\), the leader"
                        + " with the lock$")
                .contains("\tat dev.regent.daemon.log.LogSetupTest.logSample");
    }

    private Path flushed() {
        assertThat(setup.flush()).isTrue();
        return dir.resolve("patroni.log");
    }

    /** Timestamps and the test's own line numbers in stack traces differ between the two runs. */
    private static String stripTimes(String s) {
        return s.replaceAll("(?m)^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} ", "T ")
                .replaceAll("LogSetupTest\\.java:\\d+\\)", "LogSetupTest.java)");
    }

    private static void logSample(Logger log) {
        log.info("no action. I am (pg0), the leader with the lock");
        log.warn("Primary ({}) is still alive", "pg1");
        log.error(PatroniLevels.CRITICAL, "Can't start; there is already a node named 'pg0' running");
        log.error("failed to run the cycle", new IllegalStateException("boom"));
        log.info("unicode: café");
    }

    @Test
    void jsonLinesCarryTheFormatsFieldsRenamedThenStaticFieldsThenTheStackTrace() throws Exception {
        List<Object> format = List.of(Map.of("asctime", "@timestamp"), Map.of("levelname", "level"), "message",
                "name", "process", "unknown_field");
        Map<String, Object> statics = new LinkedHashMap<>();
        statics.put("app", "patroni");
        statics.put("dc", 1L);
        statics.put("tags", Map.of("env", "test"));
        setup.apply(config(b -> b.type("json").format(format).staticFields(statics)));
        Logger log = ctx.getLogger("dev.regent.daemon.loop.HaLoop");
        log.info("no action. I am (pg0), the leader with the lock");
        log.error(PatroniLevels.CRITICAL, "Can't start: \"quoted\" and café");
        log.warn("rewind failed", new IllegalStateException("boom"));
        List<String> lines = lines();
        assertThat(lines).hasSize(3).allMatch(l -> l.startsWith("{\"@timestamp\": \""))
                .as("python-json-logger's ensure_ascii").allMatch(l -> l.chars().allMatch(c -> c < 0x7f));
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines.get(0));
        assertThat(fieldNames(first)).containsExactly("@timestamp", "level", "message", "name", "process",
                "unknown_field", "app", "dc", "tags");
        assertThat(first.get("@timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3}");
        assertThat(first.get("level").asText()).isEqualTo("INFO");
        assertThat(first.get("message").asText()).isEqualTo("no action. I am (pg0), the leader with the lock");
        assertThat(first.get("name").asText()).isEqualTo("dev.regent.daemon.loop.HaLoop");
        assertThat(first.get("process").asLong()).isEqualTo(ProcessHandle.current().pid());
        assertThat(first.get("unknown_field").isNull()).as("python-json-logger writes null").isTrue();
        assertThat(first.get("app").asText()).isEqualTo("patroni");
        assertThat(first.get("dc").asLong()).isEqualTo(1);
        assertThat(first.get("tags").get("env").asText()).isEqualTo("test");
        JsonNode second = json.readTree(lines.get(1));
        assertThat(second.get("level").asText()).isEqualTo("CRITICAL");
        assertThat(second.get("message").asText()).isEqualTo("Can't start: \"quoted\" and café");
        assertThat(lines.get(1)).contains("caf\\u00e9");
        JsonNode third = json.readTree(lines.get(2));
        assertThat(fieldNames(third)).endsWith("exc_info");
        assertThat(third.get("level").asText()).isEqualTo("WARNING");
        assertThat(third.get("exc_info").asText()).startsWith("java.lang.IllegalStateException: boom")
                .contains("\tat dev.regent.daemon.log.LogSetupTest");
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) out.add(it.next());
        return out;
    }

    @Test
    void aJsonStringFormatNamesTheFieldsAndPlainFormatsFollowPython() throws Exception {
        setup.apply(config(b -> b.type("json").format("%(levelname)s %(message)s")));
        ctx.getLogger("x").info("one");
        setup.apply(config(b -> b.format("%(asctime)s [%(name)s] %(levelname)-8s|%(levelno)03d %(message)s %%")
                .dateformat("%Y/%m/%d %H.%M")));
        ctx.getLogger("dev.regent.x").warn("two");
        assertThat(lines()).satisfiesExactly(
                l -> assertThat(l).isEqualTo("{\"levelname\": \"INFO\", \"message\": \"one\"}"),
                l -> assertThat(l).matches("\\d{4}/\\d\\d/\\d\\d \\d\\d\\.\\d\\d \\[dev.regent.x] WARNING \\|030 two %"));
    }

    @Test
    void patroniLogRotatesBySizeKeepingFileNumFiles() throws Exception {
        setup.apply(config(b -> b.fileSize(300).fileNum(2).mode(0600)));
        Logger log = ctx.getLogger("r");
        for (int i = 0; i < 40; i++) log.info("line {}", String.format("%03d", i));
        assertThat(setup.flush()).isTrue();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("patroni.log", "patroni.log.1", "patroni.log.2");
        }
        List<String> kept = new ArrayList<>();
        for (String name : List.of("patroni.log.2", "patroni.log.1", "patroni.log")) {
            Path p = dir.resolve(name);
            assertThat(Files.size(p)).as(name).isLessThan(300).isGreaterThan(0);
            kept.addAll(Files.readAllLines(p));
        }
        // the newest lines, in order and without a gap, the last one in patroni.log
        List<String> numbers = kept.stream().map(l -> l.substring(l.length() - 3)).toList();
        int firstKept = Integer.parseInt(numbers.get(0));
        for (int i = 0; i < numbers.size(); i++) {
            assertThat(numbers.get(i)).isEqualTo(String.format("%03d", firstKept + i));
        }
        assertThat(numbers.get(numbers.size() - 1)).isEqualTo("039");
        assertThat(Files.getPosixFilePermissions(dir.resolve("patroni.log")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void levelAndPerLoggerLevelsIncludingCritical() throws Exception {
        setup.apply(config(b -> b.level("WARNING").loggers(Map.of("dev.regent.chatty", "DEBUG",
                "dev.regent.quiet", "CRITICAL"))));
        ctx.getLogger("dev.regent.other").info("other info");
        ctx.getLogger("dev.regent.other").warn("other warning");
        ctx.getLogger("dev.regent.chatty.Sub").debug("chatty debug");
        ctx.getLogger("dev.regent.quiet.Sub").error("quiet error");
        ctx.getLogger("dev.regent.quiet.Sub").error(PatroniLevels.CRITICAL, "quiet critical");
        assertThat(lines()).map(LogSetupTest::body)
                .containsExactly("WARNING: other warning", "DEBUG: chatty debug", "CRITICAL: quiet critical");
    }

    @Test
    void aReloadChangesTheLevelAndForgetsLoggersNoLongerConfigured() throws Exception {
        setup.apply(config(b -> b.loggers(Map.of("dev.regent.quiet", "ERROR"))));
        Logger loop = ctx.getLogger("dev.regent.loop");
        Logger quiet = ctx.getLogger("dev.regent.quiet");
        loop.debug("debug before");
        loop.info("info before");
        quiet.warn("quiet warning before");
        setup.apply(config(b -> b.level("DEBUG")));
        loop.debug("debug after");
        quiet.warn("quiet warning after");
        setup.apply(config(b -> b.level("ERROR")));
        loop.info("info at error level");
        loop.error("error at error level");
        assertThat(lines()).map(LogSetupTest::body).containsExactly("INFO: info before", "DEBUG: debug after",
                "WARNING: quiet warning after", "ERROR: error at error level");
    }

    @Test
    void tracebackLevelDebugShowsTheExceptionMessageOnlyUnlessDebugIsOn() throws Exception {
        setup.apply(config(b -> b.tracebackLevel("DEBUG")));
        ctx.getLogger("t").error("Exception during the HA cycle", new IllegalStateException("boom"));
        setup.apply(config(b -> b.tracebackLevel("DEBUG").level("DEBUG")));
        ctx.getLogger("t").error("again", new IllegalStateException("bang"));
        List<String> lines = lines();
        assertThat(body(lines.get(0))).isEqualTo("ERROR: Exception during the HA cycle, DETAIL: 'boom'");
        assertThat(body(lines.get(1))).isEqualTo("ERROR: again");
        assertThat(lines.get(2)).isEqualTo("java.lang.IllegalStateException: bang");
    }

    @Test
    void aFullQueueDropsRecordsAndReportsHowManyAsPatroniDoes() throws Exception {
        java.util.concurrent.CountDownLatch writing = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        java.io.OutputStream blocking = new java.io.OutputStream() {
            @Override
            public synchronized void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                writing.countDown();
                try {
                    release.await(); // the writer thread stands still until released
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                captured.write(b, off, len);
            }
        };
        PrintStream err = System.err;
        System.setErr(new PrintStream(blocking, true, StandardCharsets.UTF_8));
        try {
            Map<String, Object> log = new LinkedHashMap<>();
            log.put("max_queue_size", 3L);
            setup.apply(ValidConfigs.log(log));
            Logger l = ctx.getLogger("q");
            l.info("first");
            writing.await();
            for (String m : List.of("q1", "q2", "q3", "lost1", "lost2")) l.info(m);
            release.countDown();
            assertThat(setup.flush()).isTrue();
            l.info("after");
            assertThat(setup.flush()).isTrue();
        } finally {
            release.countDown();
            System.setErr(err);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8).lines().map(LogSetupTest::body)).containsExactly(
                "INFO: first", "INFO: q1", "INFO: q2", "INFO: q3", "INFO: after",
                "WARNING: QueueHandler has lost 2 log records");
    }

    @Test
    void aMissingDirectoryIsRefusedAndTheCurrentLoggingStays() throws Exception {
        setup.apply(config(b -> b));
        assertThatThrownBy(() -> setup.apply(new Builder(dir.resolve("missing").toString()).build()))
                .isInstanceOf(IOException.class).hasMessageContaining("missing").hasMessageContaining("log.dir");
        ctx.getLogger("t").info("still here");
        assertThat(lines()).map(LogSetupTest::body).containsExactly("INFO: still here");
    }

    private static String body(String line) {
        return line.replaceFirst("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} ", "");
    }

    /** A LogConfig with Patroni's defaults, changed one key at a time. */
    static final class Builder {
        private String level = "INFO";
        private String traceback = "ERROR";
        private String type = "plain";
        private Object format = PythonLogFormat.DEFAULT;
        private String dateformat;
        private Map<String, Object> statics = Map.of();
        private final String dir;
        private int fileNum = 4;
        private long fileSize = 25_000_000L;
        private Integer mode;
        private Map<String, String> loggers = Map.of();

        Builder(String dir) {
            this.dir = dir;
        }

        Builder level(String l) { level = l; return this; }
        Builder tracebackLevel(String l) { traceback = l; return this; }
        Builder type(String t) { type = t; return this; }
        Builder format(Object f) { format = f; return this; }
        Builder dateformat(String d) { dateformat = d; return this; }
        Builder staticFields(Map<String, Object> s) { statics = s; return this; }
        Builder fileNum(int n) { fileNum = n; return this; }
        Builder fileSize(long s) { fileSize = s; return this; }
        Builder mode(int m) { mode = m; return this; }
        Builder loggers(Map<String, String> l) { loggers = l; return this; }

        /** Through the validator, as the daemon gets it. */
        LogConfig build() {
            Map<String, Object> log = new LinkedHashMap<>();
            log.put("level", level);
            log.put("traceback_level", traceback);
            log.put("type", type);
            log.put("format", format);
            if (dateformat != null) log.put("dateformat", dateformat);
            log.put("static_fields", statics);
            log.put("dir", dir);
            log.put("file_num", (long) fileNum);
            log.put("file_size", fileSize);
            if (mode != null) log.put("mode", (long) mode);
            log.put("loggers", loggers);
            return ValidConfigs.log(log);
        }
    }
}
