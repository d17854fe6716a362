package dev.regent.sim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Invariant 2 (synchronous mode): every commit acknowledged before a failover or switchover is on the node promoted
 * by it. Seed runs in synchronous_mode on and quorum check it at every promotion, for the commits acknowledged while
 * {@code /sync} named their primary as leader (an operator's failover to a member outside {@code /sync} is exempt, as
 * Patroni lets the operator force it); it is also tested on recorded histories.
 */
public final class SyncDurability {
    /** A promotion: {@code node} became primary at {@code at} holding {@code wal}. */
    public record Promotion(long at, String node, Wal wal) {}

    private SyncDurability() {}

    /** One message per acknowledged commit missing on a node promoted after it was acknowledged (reported once). */
    public static List<String> check(List<Commit> acknowledged, List<Promotion> promotions) {
        List<String> out = new ArrayList<>();
        Set<Commit> reported = new HashSet<>();
        for (Promotion p : promotions) {
            for (Commit c : acknowledged) {
                if (c.at() >= p.at() || reported.contains(c) || p.wal().contains(c.segment(), c.lsn())) continue;
                reported.add(c);
                out.add(String.format(Locale.ROOT, "invariant 2 (sync durability): commit acknowledged by %s at %.3fs"
                        + " (segment %d, lsn %x) is not on %s, promoted at %.3fs", c.node(), c.at() / 1000.0,
                        c.segment(), c.lsn(), p.node(), p.at() / 1000.0));
            }
        }
        return out;
    }
}
