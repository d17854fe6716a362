package dev.regent.core.config;

import static dev.regent.core.config.TestTrees.list;
import static dev.regent.core.config.TestTrees.map;
import static dev.regent.core.config.TestTrees.valid;
import static dev.regent.core.config.TestTrees.validate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.core.config.LogConfig.JsonField;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code log} section: Patroni's defaults, the format forms, and what Python would fail on. */
class LogSectionReaderTest {
    private static ValidationResult withLog(Map<String, Object> log) {
        Map<String, Object> t = valid();
        t.put("log", log);
        return validate(t);
    }

    @Test
    void defaultsAreThoseOfPatroni() {
        LogConfig c = withLog(map()).config().log();
        assertThat(c).isEqualTo(LogConfig.defaults());
        assertThat(c.level()).isEqualTo("INFO");
        assertThat(c.plainFormat()).isEqualTo(PythonLogFormat.parse("%(asctime)s %(levelname)s: %(message)s"));
        assertThat(c.maxQueueSize()).isEqualTo(1000);
        assertThat(c.fileNum()).isEqualTo(4);
        assertThat(c.fileSize()).isEqualTo(25_000_000L);
        assertThat(c.dir()).isNull();
        assertThat(c.deduplicateHeartbeatLogs()).isNull();
        assertThat(c.json()).isFalse();
    }

    @Test
    void everyKeyIsReadWithoutAnUnsupportedWarning() {
        ValidationResult r = withLog(map("level", "debug", "traceback_level", "DEBUG", "type", "json",
                "format", list("message", map("asctime", "@timestamp"), map("levelname", "level")),
                "dateformat", "%Y-%m-%dT%H:%M:%S%z", "static_fields", map("app", "patroni"),
                "max_queue_size", 50L, "dir", "/var/log/regent", "file_num", 10L, "file_size", 1000L,
                "mode", 420L, "loggers", map("dev.regent.dcs", "warning", "org.apache.zookeeper", "NOTSET"),
                "deduplicate_heartbeat_logs", false));
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).extracting(ConfigError::path).noneMatch(p -> p.startsWith("log"));
        LogConfig c = r.config().log();
        assertThat(c.level()).isEqualTo("DEBUG");
        assertThat(c.tracebackOnlyAtDebug()).isTrue();
        assertThat(c.json()).isTrue();
        assertThat(c.jsonFields()).containsExactly(new JsonField("message", "message"),
                new JsonField("asctime", "@timestamp"), new JsonField("levelname", "level"));
        assertThat(c.dateformat()).isEqualTo("%Y-%m-%dT%H:%M:%S%z");
        assertThat(c.staticFields()).containsEntry("app", "patroni");
        assertThat(c.maxQueueSize()).isEqualTo(50);
        assertThat(c.dir()).isEqualTo("/var/log/regent");
        assertThat(c.fileNum()).isEqualTo(10);
        assertThat(c.fileSize()).isEqualTo(1000L);
        assertThat(c.mode()).isEqualTo(0644);
        assertThat(c.loggers()).containsExactly(Map.entry("dev.regent.dcs", "WARNING"),
                Map.entry("org.apache.zookeeper", "NOTSET"));
        assertThat(c.deduplicateHeartbeatLogs()).isFalse();
    }

    @Test
    void aJsonStringFormatNamesItsFields() {
        LogConfig c = withLog(map("type", "json", "format", "%(asctime)s %(name)s %(message)s")).config().log();
        assertThat(c.jsonFields()).extracting(JsonField::key).containsExactly("asctime", "name", "message");
    }

    @Test
    void whatPythonWouldFailOnIsAnErrorNamingTheKey() {
        ValidationResult r = withLog(map("format", "%(asctime)s %(levelname) %(message)s",
                "loggers", map("urllib3", "LOUD")));
        assertThat(r.errors()).extracting(ConfigError::path).containsExactlyInAnyOrder("log.format",
                "log.loggers.urllib3");
        assertThat(r.errors().get(0).message()).contains("position 13");
        assertThat(withLog(map("format", "%(asctime)s %(hostname)s")).errors())
                .singleElement().satisfies(e -> assertThat(e.message()).contains("unknown field 'hostname'"));
        assertThat(withLog(map("format", "no placeholder")).errors()).extracting(ConfigError::path)
                .containsExactly("log.format");
        assertThat(withLog(map("mode", 1000L)).errors()).extracting(ConfigError::path).containsExactly("log.mode");
        // JSON writes null for an attribute a record lacks, as python-json-logger does
        assertThat(withLog(map("type", "json", "format", "%(hostname)s")).errors()).isEmpty();
    }

    @Test
    void whatPatroniWarnsAboutAndReplacesIsAWarning() {
        ValidationResult r = withLog(map("format", list("asctime", "message")));
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).filteredOn(w -> w.path().startsWith("log")).singleElement().satisfies(w -> {
            assertThat(w.path()).isEqualTo("log.format");
            assertThat(w.message()).contains("only used with type json");
        });
        assertThat(r.config().log().plainFormat()).isEqualTo(PythonLogFormat.defaultFormat());
        ValidationResult json = withLog(map("type", "json", "format", list("message", map("levelname", 5L))));
        assertThat(json.warnings()).extracting(ConfigError::path).filteredOn(p -> p.startsWith("log"))
                .containsExactly("log.format[1].levelname");
        assertThat(json.config().log().jsonFields()).containsExactly(new JsonField("message", "message"));
    }

    @Test
    void patronisPythonModuleNamesInLoggersAreWarnedAboutNotSilentlyIgnored() {
        ValidationResult r = withLog(map("loggers", map("patroni.postmaster", "WARNING", "urllib3", "DEBUG",
                "dev.regent.dcs", "DEBUG", "patronix", "INFO")));
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).filteredOn(w -> w.path().startsWith("log")).extracting(ConfigError::path)
                .containsExactly("log.loggers.patroni.postmaster", "log.loggers.urllib3");
        assertThat(r.warnings()).filteredOn(w -> w.path().startsWith("log"))
                .allMatch(w -> w.message().contains("changes nothing"));
    }

    @Test
    void pythonFormatsAreParsedWithTheirConversionSpecs() {
        PythonLogFormat f = PythonLogFormat.parse("%(levelname)-8s %(msecs)03d 100%% %(message)s");
        assertThat(f.parts()).containsExactly(new PythonLogFormat.Field("levelname", "-", 8, -1, 's'),
                new PythonLogFormat.Literal(" "), new PythonLogFormat.Field("msecs", "0", 3, -1, 'd'),
                new PythonLogFormat.Literal(" 100% "), new PythonLogFormat.Field("message", "", 0, -1, 's'));
        assertThat(f.fieldNames()).containsExactly("levelname", "msecs", "message");
        assertThatThrownBy(() -> PythonLogFormat.parse("%s")).isInstanceOf(IllegalArgumentException.class);
    }
}
