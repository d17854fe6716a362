package dev.regent.core.config;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Regent's fast failover profile: {@code regent: {fast_failover: true}} in the dynamic configuration ({@code /config},
 * or {@code bootstrap.dcs}) lowers the minimums of ttl/loop_wait/retry_timeout from Patroni's 20/1/3 to
 * {@link #MIN_TTL}/{@link #MIN_LOOP_WAIT}/{@link #MIN_RETRY_TIMEOUT}. Without the key a {@code ttl: 10} keeps Patroni's
 * meaning (raised to 20 with Patroni's warning), so a configuration migrated from Patroni behaves the same. Patroni
 * 3.0.2 and 4 ignore the top-level {@code regent} key of {@code /config} (only the keys of their defaults are copied),
 * and PATCH /config keeps it.
 *
 * <p>The profile is refused while a member of the cluster is not Regent ({@link #patroniMembers}): the members would
 * not share one meaning of {@code /config}. Patroni 4 raises the ttl to 20, holds a 20 s lease as a leader and may
 * go that long without renewing it, so the profile's promise (a lost leader is replaced within about ttl) would
 * silently not hold for it; Patroni 3.0.2 has no minimum and would run a ttl of 6 with its own, unvouched bound on
 * pauses. The lease length is the writer's own on every store, so this keeps the timing predictable; mixing does not
 * by itself let two leaders overlap.
 *
 * <p>Regent recognises its own members by {@link #MEMBER_MARKER} in their member key (a field Patroni neither writes
 * nor reads); a member key without it is counted as Patroni's. A member known only from the leader key (no member key)
 * is not judged. Pure.
 */
public final class FastFailover {
    /** The top-level key of the dynamic configuration holding Regent-only settings (Patroni ignores it). */
    public static final String SECTION = "regent";
    /** The switch under {@link #SECTION}. */
    public static final String KEY = "fast_failover";
    /** The field of a Regent member key carrying Regent's version; its absence marks a Patroni member. */
    public static final String MEMBER_MARKER = "regent_version";

    /**
     * Floors with the profile on. With loop_wait + 2*retry_timeout <= ttl the leader's last renewal attempt gives up
     * (and the leader demotes) by loop_wait + retry_timeout = 3 s after its last successful write, leaving ttl minus
     * that (3 s) for the cycle itself, the demotion and any stall before the lease can run out for the others.
     * retry_timeout 2 s still spans an etcd leader election (election timeout 1 s by default) plus a request.
     */
    public static final int MIN_TTL = 6;
    public static final int MIN_LOOP_WAIT = 1;
    public static final int MIN_RETRY_TIMEOUT = 2;

    private FastFailover() {}

    /**
     * Whether {@code regent.fast_failover} of a dynamic configuration is on; a value that is not a boolean leaves it
     * off with a warning.
     */
    static boolean requested(Map<String, Object> dynamic, List<ConfigError> warnings) {
        Object section = dynamic.get(SECTION);
        if (section == null) return false;
        if (!(section instanceof Map<?, ?> m)) {
            warnings.add(warning(SECTION, SECTION + "=" + section + " is not a mapping, the fast failover profile"
                    + " stays off"));
            return false;
        }
        Object v = m.get(KEY);
        if (v == null) return false;
        Boolean on = PatroniValues.parseBool(v);
        if (on == null) {
            warnings.add(warning(SECTION + "." + KEY, SECTION + "." + KEY + "=" + v + " is not a boolean, the fast"
                    + " failover profile stays off"));
            return false;
        }
        return on;
    }

    /** The warning when the profile is asked for but Patroni members are present. */
    static ConfigError refusedWarning(List<String> patroniMembers) {
        return warning(SECTION + "." + KEY, "the fast failover profile is not applied while Patroni members are in"
                + " the cluster (" + String.join(", ", patroniMembers) + "): Patroni does not know it (Patroni 4 raises"
                + " a ttl below 20 to 20); Patroni's minimums (ttl 20, loop_wait 1, retry_timeout 3) apply");
    }

    /** Names of the members of {@code cluster} whose member key lacks {@link #MEMBER_MARKER}; empty for null. */
    public static List<String> patroniMembers(ClusterView cluster) {
        List<String> out = new ArrayList<>();
        if (cluster == null) return out;
        for (Member m : cluster.members()) {
            if (isPatroniMember(m)) out.add(m.name());
        }
        return out;
    }

    /** A member whose key exists and does not carry {@link #MEMBER_MARKER}. */
    public static boolean isPatroniMember(Member m) {
        MemberData d = m.data();
        return d != MemberData.EMPTY && !d.extra().containsKey(MEMBER_MARKER);
    }

    private static ConfigError warning(String path, String message) {
        return new ConfigError(path, "dynamic configuration", message, true);
    }
}
