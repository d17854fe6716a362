package dev.regent.daemon.ledger;

import dev.regent.core.ha.ActionOutcome;
import dev.regent.core.ha.Decision;
import dev.regent.core.ha.HaInput;
import dev.regent.core.ha.action.Action;
import dev.regent.core.ledger.DecisionKind;
import dev.regent.core.ledger.DecisionLedger;
import dev.regent.core.ledger.LedgerEntry;
import dev.regent.core.ledger.LedgerState;
import dev.regent.daemon.loop.HaLoop;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * This node's decision ledger: the last {@code keep} decisions that changed something ({@link DecisionLedger} says
 * which), in memory and in its {@link DecisionFile}, loaded at start so the story survives restarts. The HA loop's
 * thread records ({@link #observe}); the REST API reads the published immutable {@link #entries()} and
 * {@link #counts()}. Cycle numbers continue from the last entry of the file.
 */
public final class DecisionBook implements HaLoop.DecisionObserver {
    private final int keep;
    private final DecisionFile file;
    private final List<LedgerEntry> entries = new ArrayList<>();
    private final long[] counts = new long[DecisionKind.values().length];
    private volatile List<LedgerEntry> published;
    private volatile Map<String, Long> publishedCounts;
    private LedgerState state = LedgerState.INITIAL;
    private long cycle;

    /**
     * @param dir    directory of the ledger file, or null to keep the ledger in memory only
     * @param member this member's name (the file is named after it)
     * @param keep   how many entries are kept
     */
    public DecisionBook(Path dir, String member, int keep) {
        if (keep < 1) throw new IllegalArgumentException("keep must be at least 1, got " + keep);
        this.keep = keep;
        this.file = dir == null ? null : new DecisionFile(dir, member, keep);
        if (file != null) entries.addAll(file.load());
        cycle = entries.isEmpty() ? 0 : entries.get(entries.size() - 1).cycle();
        publish();
    }

    /** The default directory: the parent of the data directory ("next to" it), or the data directory's own. */
    public static Path defaultDir(String dataDir) {
        Path p = Path.of(dataDir).toAbsolutePath().normalize();
        return p.getParent() == null ? p : p.getParent();
    }

    /** The ledger file, or null in memory only. */
    public Path path() {
        return file == null ? null : file.path();
    }

    @Override
    public void observe(HaInput in, Decision d, Action failed, ActionOutcome outcome) {
        cycle++;
        DecisionLedger.Step step = DecisionLedger.record(state, in, d, failed, outcome, cycle);
        state = step.state();
        LedgerEntry e = step.entry();
        if (e == null) return;
        entries.add(e);
        if (entries.size() > keep) entries.subList(0, entries.size() - keep).clear();
        counts[DecisionKind.valueOf(e.kind().toUpperCase(java.util.Locale.ROOT)).ordinal()]++;
        if (file != null) file.append(e, entries);
        publish();
    }

    private void publish() {
        published = List.copyOf(entries);
        Map<String, Long> c = new LinkedHashMap<>();
        for (DecisionKind k : DecisionKind.values()) c.put(k.label(), counts[k.ordinal()]);
        publishedCounts = java.util.Collections.unmodifiableMap(c);
    }

    /** The kept entries, oldest first; an immutable snapshot. */
    public List<LedgerEntry> entries() {
        return published;
    }

    /** Decisions recorded by this process, per kind (every kind, zero included); an immutable snapshot. */
    public Map<String, Long> counts() {
        return publishedCounts;
    }
}
