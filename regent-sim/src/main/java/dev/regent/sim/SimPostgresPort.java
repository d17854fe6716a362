package dev.regent.sim;

import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.model.TimelineHistory;
import dev.regent.core.sync.SyncFacts;
import dev.regent.core.sync.SyncStandbyNames;
import dev.regent.core.sync.WalSender;
import dev.regent.daemon.loop.PostgresPort;
import dev.regent.daemon.loop.PostgresPortException;
import dev.regent.postgres.CallbackRole;
import dev.regent.postgres.CallbackRunner;
import dev.regent.postgres.StopMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;

/**
 * The {@link PostgresPort} of a simulated node: the real shell's calls applied to its {@link SimPostgres}. Each call
 * takes a simulated duration, charged to the loop thread when the loop made the call (its next cycle comes later);
 * calls made by a background task are covered by the task's own duration. Slow-operation faults lengthen promote and
 * stop.
 */
final class SimPostgresPort implements PostgresPort {
    private final SimCluster cluster;
    private final Node node;

    SimPostgresPort(SimCluster cluster, Node node) {
        this.cluster = cluster;
        this.node = node;
    }

    private SimPostgres pg() {
        return node.pg;
    }

    /** A simulated operation that fails as its real tool would. */
    @FunctionalInterface
    private interface Op {
        void run() throws SimPostgres.PgFailure;
    }

    private static void check(Op op) throws PostgresPortException {
        try {
            op.run();
        } catch (SimPostgres.PgFailure e) {
            throw new PostgresPortException(e.getMessage(), e);
        }
    }

    private void takes(long lo, long hi, boolean slowable) {
        long d = cluster.between(lo, hi) + (slowable && node.slow > 0 ? node.slowExtra : 0);
        cluster.chargeLoop(node, d);
    }

    /** The postgres behind a conn_url, when this node can reach it. */
    private SimPostgres reachable(String connUrl) {
        Node n = cluster.nodeOfUrl(connUrl);
        return n == null || !cluster.linked(node, n) ? null : n.pg;
    }

    @Override
    public LocalPostgres observe() {
        return pg().observe();
    }

    @Override
    public String bootstrap() throws PostgresPortException {
        pg().initdb(cluster.newSystemId(), cluster.nextSegmentUid());
        cluster.trace.add(node.name, "postgres: initdb, running as primary of " + pg().systemId());
        return pg().systemId();
    }

    @Override
    public void cloneFrom(String connUrl) throws PostgresPortException {
        if (pg().running()) pg().stop();
        pg().removeDataDirectory();
        check(() -> pg().cloneFrom(reachable(connUrl)));
        cluster.trace.add(node.name, "postgres: basebackup from " + connUrl);
    }

    @Override
    public void start(boolean asPrimary, String followName, String followConnUrl, Duration timeout)
            throws PostgresPortException {
        takes(300, 3_000, false);
        check(() -> pg().start(asPrimary, followName));
        cluster.trace.add(node.name, "postgres: started as " + (asPrimary ? "primary" : "replica of " + followName));
    }

    @Override
    public void stop(StopMode mode, Duration timeout) throws PostgresPortException {
        if (!pg().running()) return;
        takes(100, 2_000, true);
        pg().stop();
        cluster.trace.add(node.name, "postgres: stopped (" + mode + ")");
    }

    @Override
    public int promote() throws PostgresPortException {
        takes(100, 1_500, true);
        cluster.onPromote(node);
        check(() -> pg().promote(cluster.nextSegmentUid()));
        int timeline = pg().wal().timeline();
        cluster.trace.add(node.name, "postgres: promoted to timeline " + timeline);
        return timeline;
    }

    @Override
    public void prePromote() {
        // no pre_promote script is configured in the simulation
    }

    @Override
    public void follow(String followName, String followConnUrl) {
        takes(5, 50, false);
        pg().follow(followName);
    }

    /**
     * A source that this node cannot reach, whose postgres does not run, or that is still in recovery fails the check,
     * as the real connection and {@code pg_is_in_recovery()} would; nothing changes locally.
     */
    @Override
    public void checkRewindSource(String sourceConnUrl) throws PostgresPortException {
        check(() -> pg().checkRewindSource(reachable(sourceConnUrl)));
    }

    @Override
    public void rewind(String sourceConnUrl) throws PostgresPortException {
        boolean[] rewound = new boolean[1];
        check(() -> rewound[0] = pg().rewind(reachable(sourceConnUrl)));
        cluster.trace.add(node.name, "postgres: pg_rewind from " + sourceConnUrl
                + (rewound[0] ? "" : ": no rewind required"));
    }

    @Override
    public void addTimelineHistoryFiles(SortedMap<Integer, List<TimelineHistory.Entry>> files)
            throws PostgresPortException {
        for (int timeline : files.keySet()) check(() -> pg().addHistoryFile(timeline));
        if (!files.isEmpty()) cluster.trace.add(node.name, "history files of timelines " + files.keySet());
    }

    @Override
    public TimelineHistory.Entry timelineSwitch(int timeline) {
        long[] line = pg().timelineSwitch(timeline);
        return line == null ? null
                : new TimelineHistory.Entry((int) line[0], line[1], "no recovery target specified", null, null);
    }

    @Override
    public boolean canRewind() {
        return true;
    }

    @Override
    public void removeDataDirectory() {
        pg().removeDataDirectory();
    }

    @Override
    public void moveDataDirectoryAside() {
        pg().removeDataDirectory();
    }

    @Override
    public java.util.List<dev.regent.core.slots.ExistingSlot> replicationSlots() {
        return java.util.List.of();  // slots are not modelled: WAL is never recycled in the simulation
    }

    @Override
    public void applySlotOp(dev.regent.core.slots.SlotOp op) {
        // slots are not modelled
    }

    @Override
    public Set<String> copyLogicalSlots(String primaryConnUrl, java.util.Collection<String> names) {
        return Set.of();  // slots are not modelled
    }

    @Override
    public void reload() {
        takes(5, 50, false);
    }

    @Override
    public void restart(Duration timeout) throws PostgresPortException {
        boolean primary = pg().acceptsWrites();
        String upstream = pg().upstream();
        pg().stop();
        check(() -> pg().start(primary, upstream));
    }

    @Override
    public void checkpoint() {
        takes(50, 500, false);
    }

    @Override
    public void fireCallback(CallbackRunner.Action action, CallbackRole role) {
        // callbacks run asynchronously and change nothing the simulation observes
    }

    /**
     * What the shell reads on a primary: {@code synchronous_standby_names}, {@code synchronous_commit = on}, the flush
     * position and one {@code pg_stat_replication} row per standby streaming from it (flush = the end of its WAL when
     * it continues ours); null on anything but a running primary.
     */
    @Override
    public SyncFacts observeSync() {
        if (!pg().acceptsWrites()) return null;
        List<Node> standbys = cluster.standbysOf(node);
        SyncRep rep = new SyncRep(pg().syncStandbyNames(), standbys);
        List<WalSender> senders = new ArrayList<>();
        for (Node s : standbys) {
            Long lsn = s.pg.wal().isPrefixOf(pg().wal()) ? s.pg.wal().end() : null;
            senders.add(new WalSender(1000 * (s.index + 1) + s.pg.connections(), s.name, rep.syncState(s), lsn, lsn,
                    lsn));
        }
        return new SyncFacts(pg().syncStandbyNames(), "on", pg().wal().end(), senders);
    }

    /** A reload with the new value; a value PostgreSQL cannot parse is refused as the real reload would. */
    @Override
    public boolean setSynchronousStandbyNames(String value) throws PostgresPortException {
        String before = pg().syncStandbyNames();
        boolean managedBefore = pg().syncStandbyNamesManaged();
        try {
            SyncStandbyNames.parse(value);
        } catch (IllegalArgumentException e) {
            throw new PostgresPortException("postgres refused synchronous_standby_names = '" + value + "': "
                    + e.getMessage(), e);
        }
        takes(5, 50, false);
        pg().setSyncStandbyNames(value);
        boolean changed = !before.equals(pg().syncStandbyNames()) || managedBefore != pg().syncStandbyNamesManaged();
        if (changed) cluster.trace.add(node.name, "postgres: synchronous_standby_names = '" + pg().syncStandbyNames()
                + "'");
        return changed;
    }

    @Override
    public boolean managesSynchronousStandbyNames() {
        return pg().syncStandbyNamesManaged();
    }

    /** A little WAL (the shell's nudge after a change), not a client commit. */
    @Override
    public void generateWal() {
        if (pg().acceptsWrites()) pg().write(64);
    }

    @Override
    public String connUrl() {
        return "postgres://" + node.name + ":5432/postgres";
    }
}
