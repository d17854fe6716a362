package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link MixedStoreScenarios#withoutConnectionTracebacks}: only tracebacks of Patroni's own DCS connection go. */
class PatroniLogFilterTest {
    private static final String CONNECTION = """
            2026-12-02 15:04:41,812 ERROR: get_cluster
            Traceback (most recent call last):
              File "/usr/lib/python3/dist-packages/patroni/dcs/zookeeper.py", line 303, in _load_cluster
                cluster = self._client.retry(loader, path)
              File "/usr/lib/python3/dist-packages/kazoo/handlers/utils.py", line 69, in get
                raise self._exception
            kazoo.exceptions.ConnectionClosedError: Connection has been closed
            2026-12-02 15:04:41,821 INFO: Connecting to 127.0.0.1(127.0.0.1):29905, use_ssl: False
            """;
    private static final String PARSE = """
            Traceback (most recent call last):
              File "/usr/lib/python3/dist-packages/patroni/dcs/__init__.py", line 1, in from_node
                data = json.loads(value)
            json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)
            """;

    @Test
    void aConnectionTracebackGoesAndTheLinesAroundItStay() {
        assertThat(MixedStoreScenarios.withoutConnectionTracebacks(CONNECTION))
                .isEqualTo("2026-12-02 15:04:41,812 ERROR: get_cluster\n"
                        + "2026-12-02 15:04:41,821 INFO: Connecting to 127.0.0.1(127.0.0.1):29905, use_ssl: False\n");
    }

    @Test
    void anyOtherTracebackStays() {
        assertThat(MixedStoreScenarios.withoutConnectionTracebacks(CONNECTION + PARSE)).contains("Traceback")
                .contains("JSONDecodeError");
    }
}
