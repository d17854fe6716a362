package dev.regent.daemon.loop;

import dev.regent.core.ha.FailsafeAnswer;
import java.util.Map;

/**
 * How a primary in failsafe mode asks the other members of {@code /failsafe} whether it may keep running (Patroni's
 * check_failsafe_topology): production sends {@code POST /failsafe} over HTTP ({@link HttpFailsafeCaller}); a
 * simulator answers for its simulated peers.
 */
@FunctionalInterface
public interface FailsafeCaller {
    /** Nobody answers (every member counts as not accepting). */
    FailsafeCaller SILENT = (members, body) -> Map.of();

    /**
     * Ask every member in {@code members} (name to api_url) at once, bounded in time; blocks until all answered or
     * the bound passed.
     *
     * @param body the JSON request body ({@code name}, {@code conn_url}, {@code api_url})
     * @return the answers received, by member name; a member without an answer may be absent
     */
    Map<String, FailsafeAnswer> ask(Map<String, String> members, String body);
}
