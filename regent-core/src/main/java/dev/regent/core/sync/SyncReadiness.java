package dev.regent.core.sync;

import dev.regent.core.model.SyncState;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which standbys listed in {@code synchronous_standby_names} are known to hold every commit the primary acknowledged:
 * Patroni's {@code _ready_replicas}. A standby newly listed is not: commits acknowledged before it was listed may be
 * missing on it. It becomes ready once {@code pg_stat_replication} reports it synchronous ({@code sync}, or
 * {@code quorum} in quorum mode) <em>and</em> at or past the primary's flush position noted when the value last
 * changed: every change starts over, since under the old value a listed standby need not have confirmed every
 * commit (Patroni keeps a ready standby across changes, which can count a lagging one as confirmed).
 * In {@code on} mode a standby already published in {@code /sync} counts as ready (it was confirmed before being
 * published; this is how a restarted daemon, whose memory is empty, recovers the state).
 *
 * <p>Kept by the shell from cycle to cycle (it starts as {@link #INITIAL}) and advanced only by {@link #next}.
 * Immutable.
 *
 * @param standbyNames     the value seen in the previous cycle; null before the first observation
 * @param flushLsnAtChange the primary's flush position when that value was first seen
 * @param ready            ready standbys (names as in {@code pg_stat_replication}), case-insensitive
 * @param changed          the value differs from the previous cycle's: the shell generates a little WAL so that the
 *                         standbys report a position past {@code flushLsnAtChange} soon (Patroni does the same)
 */
public record SyncReadiness(String standbyNames, long flushLsnAtChange, Set<String> ready, boolean changed) {
    public static final SyncReadiness INITIAL = new SyncReadiness(null, 0, Set.of(), false);

    public SyncReadiness {
        TreeSet<String> r = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        r.addAll(ready);
        ready = java.util.Collections.unmodifiableSet(r);
    }

    public boolean isReady(String name) { return ready.contains(name); }

    /**
     * The readiness after observing {@code facts}. {@code dcsSync} is the {@code /sync} key (null when absent).
     * An unparsable value lists nobody.
     */
    public SyncReadiness next(SyncFacts facts, SyncState dcsSync, boolean quorumMode) {
        SyncStandbyNames.Parsed ssn = parseOrOff(facts.standbyNames());
        boolean change = !facts.standbyNames().equals(standbyNames);
        long mark = change ? facts.flushLsn() : flushLsnAtChange;
        TreeSet<String> r = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        // Only while the value is unchanged: after a change a standby may lack commits the others confirmed under the
        // old value (ANY k of more), so it must reach the new mark again (Patroni keeps it; the crash test found the
        // loss: a quorum lowered on a stale confirmation let a lagging voter promote alone).
        if (!change) r.addAll(ready);
        for (WalSender w : facts.senders()) {
            String name = w.applicationName();
            Long lsn = w.lsnFor(facts.synchronousCommit());
            if (name == null || lsn == null || r.contains(name) || !ssn.lists(name)) continue;
            boolean caughtUp = lsn >= mark;
            // synchronous in the form in force: ANY k reports quorum, the priority form sync (after a switch between
            // on and quorum the old form is still in force until the planner rewrites it)
            String synchronous = ssn.kind() == SyncStandbyNames.Kind.QUORUM ? "quorum" : "sync";
            boolean ok = quorumMode ? caughtUp && synchronous.equals(w.syncState())
                    : publishedStandby(dcsSync, name) || caughtUp && "sync".equals(w.syncState());
            if (ok) r.add(name);
        }
        return new SyncReadiness(facts.standbyNames(), mark, r, change);
    }

    static SyncStandbyNames.Parsed parseOrOff(String value) {
        try {
            return SyncStandbyNames.parse(value);
        } catch (IllegalArgumentException e) {
            return SyncStandbyNames.Parsed.OFF;
        }
    }

    private static boolean publishedStandby(SyncState sync, String name) {
        return sync != null && sync.leader() != null
                && sync.syncStandbys().stream().anyMatch(s -> s.equalsIgnoreCase(name));
    }
}
