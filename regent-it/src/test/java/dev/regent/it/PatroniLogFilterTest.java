package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@link MixedStoreScenarios#withoutConnectionTracebacks}: only tracebacks of Patroni's own DCS connection go;
 * {@link MixedSyncClusterTest#withoutUnreachableLeaderChecks}: only the rewind check against a dead leader goes.
 */
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

    private static final String LEADER_CHECK = """
            2026-12-03 03:40:54,357 INFO: Local timeline=2 lsn=0/5030FB8
            2026-12-03 03:40:54,357 ERROR: Exception when working with leader
            Traceback (most recent call last):
              File "/usr/lib/python3/dist-packages/patroni/postgresql/rewind.py", line 69, in check_leader_is_not_in_recovery
                with get_connection_cursor(connect_timeout=3, options='-c statement_timeout=2000', **conn_kwargs) as cur:
              File "/usr/lib/python3/dist-packages/psycopg2/__init__.py", line 122, in connect
                conn = _connect(dsn, connection_factory=connection_factory, **kwasync)
                       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
            psycopg2.OperationalError: connection to server at "127.0.0.1", port 28696 failed: Connection refused
            \tIs the server running on that host and accepting TCP/IP connections?

            server signaled
            2026-12-03 03:40:54,491 INFO: following a different leader because i am not the healthiest node
            """;

    @Test
    void aRewindCheckAgainstADeadLeaderGoesAndTheLinesAroundItStay() {
        assertThat(MixedSyncClusterTest.withoutUnreachableLeaderChecks(LEADER_CHECK))
                .isEqualTo("2026-12-03 03:40:54,357 INFO: Local timeline=2 lsn=0/5030FB8\n\nserver signaled\n"
                        + "2026-12-03 03:40:54,491 INFO: following a different leader because i am not the healthiest"
                        + " node\n");
    }

    @Test
    void aRewindCheckCutOffByTheKilledLeaderGoesToo() {
        String closed = LEADER_CHECK.replace("Connection refused\n\tIs the server running on that host and accepting"
                + " TCP/IP connections?", "server closed the connection unexpectedly\n"
                + "\tThis probably means the server terminated abnormally\n\tbefore or while processing the request.");
        assertThat(closed).contains("server closed the connection unexpectedly");
        assertThat(MixedSyncClusterTest.withoutUnreachableLeaderChecks(closed)).doesNotContain("Exception")
                .doesNotContain("Traceback").contains("following a different leader");
    }

    @Test
    void anyOtherExceptionStays() {
        String other = LEADER_CHECK.replace("Connection refused", "FATAL: password authentication failed");
        assertThat(MixedSyncClusterTest.withoutUnreachableLeaderChecks(other)).contains("Exception when working")
                .contains("Traceback");
        assertThat(MixedSyncClusterTest.withoutUnreachableLeaderChecks(PARSE)).isEqualTo(PARSE);
    }
}
