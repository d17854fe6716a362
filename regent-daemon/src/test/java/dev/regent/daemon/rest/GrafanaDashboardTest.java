package dev.regent.daemon.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped Grafana dashboard ({@code deploy/grafana/regent-dashboard.json}) is valid JSON and its PromQL uses only
 * metric and label names that {@code GET /metrics} exports, as {@link Metrics} renders them (not a hand-kept list): a
 * renamed or dropped metric fails here instead of leaving an empty panel. That Prometheus itself accepts every query is
 * checked against a live cluster in regent-it's CtlEndToEndTest.
 */
class GrafanaDashboardTest {
    static final Path DASHBOARD = Path.of("").toAbsolutePath().getParent()
            .resolve("deploy/grafana/regent-dashboard.json");
    /** PromQL's own words the dashboard uses: aggregations, functions, keywords. */
    private static final Set<String> PROMQL = Set.of("sum", "max", "min", "count", "by", "on", "and", "or", "unless",
            "group_right", "group_left", "time", "vector", "increase", "rate", "without", "ignoring", "bool",
            "label_values");
    private static final Pattern TYPE = Pattern.compile("(?m)^# TYPE (\\S+) \\S+$");
    private static final Pattern LABEL = Pattern.compile("[{,]([a-zA-Z_][a-zA-Z0-9_]*)=\"");
    private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    /** Every metric name {@link Metrics} renders for a primary and a replica, with decision counts. */
    static Set<String> exportedMetrics() {
        Set<String> names = new TreeSet<>();
        for (String text : rendered()) {
            Matcher m = TYPE.matcher(text);
            while (m.find()) names.add(m.group(1));
        }
        return names;
    }

    private static List<String> rendered() {
        Map<String, Long> decisions = Map.of("promote", 1L);
        return List.of(Metrics.render(Fixtures.primary(), Fixtures.cluster(), Fixtures.NOW, decisions),
                Metrics.render(Fixtures.replica(), Fixtures.cluster(), Fixtures.NOW, decisions));
    }

    private static Set<String> exportedLabels() {
        Set<String> labels = new TreeSet<>();
        for (String text : rendered()) {
            for (String line : text.split("\n")) {
                if (line.startsWith("#")) continue;
                Matcher m = LABEL.matcher(line);
                while (m.find()) labels.add(m.group(1));
            }
        }
        return labels;
    }

    /** Every PromQL expression of the dashboard: panel targets and query variables. */
    static List<String> queries(JsonNode dashboard) {
        List<String> out = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode t : panel.path("targets")) out.add(t.path("expr").asText());
        }
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) out.add(v.path("query").asText());
        }
        return out;
    }

    /** The names an expression refers to: string literals, range durations and Grafana variables left out. */
    static Set<String> identifiers(String expr) {
        String bare = expr.replaceAll("\"[^\"]*\"", "\"\"").replaceAll("\\[[^\\]]*\\]", "")
                .replaceAll("\\$\\w+", "");
        Set<String> out = new TreeSet<>();
        Matcher m = IDENT.matcher(bare);
        while (m.find()) out.add(m.group());
        return out;
    }

    @Test
    void theDashboardIsJsonWithPanelsAndQueries() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        assertThat(dashboard.path("title").asText()).isNotBlank();
        assertThat(dashboard.path("uid").asText()).isNotBlank();
        assertThat(dashboard.path("panels")).hasSizeGreaterThanOrEqualTo(10);
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(panel.path("targets")).as("targets of panel " + panel.path("title")).isNotEmpty();
            assertThat(panel.path("gridPos").path("w").asInt()).as("width of " + panel.path("title")).isPositive();
        }
        assertThat(queries(dashboard)).allSatisfy(q -> assertThat(q).isNotBlank());
    }

    @Test
    void everyNameTheQueriesUseIsExportedByMetrics() throws Exception {
        Set<String> metrics = exportedMetrics();
        Set<String> labels = exportedLabels();
        assertThat(metrics).contains("patroni_primary", "patroni_xlog_replayed_location", "regent_decisions_total");
        assertThat(labels).containsExactlyInAnyOrder("scope", "name", "kind");
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        Set<String> used = new TreeSet<>();
        for (String q : queries(dashboard)) {
            Set<String> ids = identifiers(q);
            ids.removeAll(PROMQL);
            ids.removeAll(labels);
            assertThat(ids).as("names in " + q + " that /metrics does not export").isSubsetOf(metrics);
            assertThat(ids).as("metrics queried by " + q).isNotEmpty();
            used.addAll(ids);
        }
        // the panels that matter to an operator: who is primary, lag, timeline, and Regent's decisions
        assertThat(used).contains("patroni_primary", "patroni_replica", "patroni_xlog_location",
                "patroni_xlog_replayed_location", "patroni_postgres_timeline", "regent_decisions_total");
    }

    @Test
    void aNameMetricsDoesNotExportIsCaught() {
        Set<String> ids = identifiers("sum by (scope) (patroni_master{scope=~\"$scope\"}[$__rate_interval])");
        ids.removeAll(PROMQL);
        ids.removeAll(exportedLabels());
        assertThat(ids).containsExactly("patroni_master");
        assertThat(exportedMetrics()).doesNotContain("patroni_master");
    }
}
